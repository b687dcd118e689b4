/**
 * JSON Schema support for templates: checking that a schema a template author wrote compiles,
 * and validating lead payloads / HTTP-function answers against it.
 *
 * Drafts: no `$schema` or draft-06/07 uses Ajv's default (draft-07) vocabulary; 2019-09 and
 * 2020-12 get their own Ajv classes. Other drafts (draft-04 and older) are refused because Ajv 8
 * would silently read their keywords with draft-07 meaning (e.g. boolean `exclusiveMaximum`).
 *
 * One Ajv instance per draft is shared: building one costs ~10 ms (meta-schema compile), which
 * would dominate template validation. `addUsedSchema: false` stops a schema's `$id` from being
 * registered globally (two templates may use the same `$id`), and each compiled schema is
 * removed from Ajv's object-keyed cache once we hold the validator, so the process does not grow
 * with every template edit.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import formatsModule from 'ajv-formats';
import type { FormatsPlugin } from 'ajv-formats';
import type { Loc, ValidationIssue } from './validation-issue.ts';

// ajv-formats is CommonJS: at run time the default import is the plugin function itself,
// but NodeNext types it as the module namespace holding `default`.
const addFormats: FormatsPlugin =
  typeof formatsModule === 'function' ? (formatsModule as FormatsPlugin) : formatsModule.default;

type AnyAjv = Ajv | Ajv2019 | Ajv2020;
type Draft = 'draft-07' | '2019-09' | '2020-12';

const OPTIONS = { strict: false, allErrors: true, addUsedSchema: false } as const;
const instances = new Map<Draft, AnyAjv>();

function ajvFor(draft: Draft): AnyAjv {
  let ajv = instances.get(draft);
  if (!ajv) {
    ajv = draft === '2020-12' ? new Ajv2020(OPTIONS) : draft === '2019-09' ? new Ajv2019(OPTIONS) : new Ajv(OPTIONS);
    addFormats(ajv);
    instances.set(draft, ajv);
  }
  return ajv;
}

const DRAFTS: Record<string, Draft> = {
  'json-schema.org/draft-06/schema': 'draft-07',
  'json-schema.org/draft-07/schema': 'draft-07',
  'json-schema.org/draft/2019-09/schema': '2019-09',
  'json-schema.org/draft/2020-12/schema': '2020-12',
};

function draftOf(schema: Record<string, unknown>): Draft {
  const declared = schema['$schema'];
  if (declared === undefined) return 'draft-07';
  if (typeof declared !== 'string') throw new Error('$schema must be a string');
  const key = declared.replace(/^https?:\/\//, '').replace(/#$/, '');
  const draft = DRAFTS[key];
  if (!draft) throw new Error(`unsupported $schema "${declared}"; use draft-07, 2019-09 or 2020-12`);
  return draft;
}

/** Compiles a schema; throws with Ajv's message when it is not a valid JSON Schema. */
function compile(schema: Record<string, unknown>): ValidateFunction {
  const ajv = ajvFor(draftOf(schema));
  // `$schema` was used to pick the instance; dropping it lets `https://` spellings and draft-06
  // compile, since Ajv only knows each meta-schema under one exact URI.
  const { $schema: _ignored, ...body } = schema;
  try {
    return ajv.compile(body);
  } finally {
    ajv.removeSchema(body);
  }
}

/** Null when the schema compiles, otherwise Ajv's explanation (paths relative to the schema). */
export function checkJsonSchema(schema: Record<string, unknown>): string | null {
  try {
    const ajv = ajvFor(draftOf(schema));
    const { $schema: _ignored, ...body } = schema;
    // Checked against the meta-schema first only to word the message: compile() would say
    // "data/type must be …", which reads as if the *payload* were wrong.
    if (!ajv.validateSchema(body)) return `invalid JSON Schema: ${ajv.errorsText(ajv.errors, { dataVar: 'schema' })}`;
    compile(schema);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

export type PayloadValidator = (payload: unknown) => ValidationIssue[];

// Bounded so that a long-running process with many template edits does not keep every old schema.
const CACHE_LIMIT = 500;
const validatorCache = new Map<string, ValidateFunction>();

function cachedCompile(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validatorCache.get(key);
  if (validate) {
    // Re-insert to mark as recently used (Map keeps insertion order).
    validatorCache.delete(key);
  } else {
    validate = compile(schema);
    if (validatorCache.size >= CACHE_LIMIT) {
      const oldest = validatorCache.keys().next().value;
      if (oldest !== undefined) validatorCache.delete(oldest);
    }
  }
  validatorCache.set(key, validate);
  return validate;
}

function decodePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Turns an Ajv error into a loc, using the data to tell array indexes from object keys. */
function locOf(error: ErrorObject, payload: unknown, prefix: Loc): Loc {
  const loc: Loc = [...prefix];
  let node: unknown = payload;
  for (const segment of decodePointer(error.instancePath)) {
    if (Array.isArray(node) && /^\d+$/.test(segment)) {
      loc.push(Number(segment));
      node = node[Number(segment)];
    } else {
      loc.push(segment);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  // FastAPI-style: a missing or unexpected property is reported at the property, not its parent.
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && typeof params['missingProperty'] === 'string') loc.push(params['missingProperty']);
  if (error.keyword === 'additionalProperties' && typeof params['additionalProperty'] === 'string') {
    loc.push(params['additionalProperty']);
  }
  return loc;
}

function typeOf(error: ErrorObject): string {
  if (error.keyword === 'required') return 'missing';
  return `json_schema.${error.keyword}`;
}

/**
 * A validator for documents (lead payloads, HTTP-function answers) against a template's schema.
 * Compiled validators are cached per schema JSON. Throws if the schema does not compile, which
 * cannot happen for a schema that passed template validation.
 */
export function compilePayloadValidator(
  schema: Record<string, unknown>,
  opts: { locPrefix?: Loc } = {},
): PayloadValidator {
  const validate = cachedCompile(schema);
  const prefix = opts.locPrefix ?? ['body', 'payload'];
  return (payload) => {
    if (validate(payload)) return [];
    return (validate.errors ?? []).map((error) => ({
      loc: locOf(error, payload, prefix),
      msg: error.message ?? 'is invalid',
      type: typeOf(error),
    }));
  };
}
