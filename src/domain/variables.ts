/**
 * Variable substitution for template text: messages, greetings, URLs, headers and bodies.
 *
 * Syntax (reference §13, issue 5):
 *   - `{name}` where name matches VARIABLE_NAME; names are case-sensitive.
 *   - `{{` and `}}` are escapes for a literal `{` and `}` (as in Python's str.format), so
 *     `{{name}}` renders as the text `{name}`. A lone brace that is not part of a placeholder
 *     (e.g. JSON shown in a prompt) stays as it is; note that a literal `}}` must be written `}}}}`.
 *   - A dotted name such as `{customer.name}` first looks for the flat key `customer.name`, then
 *     walks nested objects (and array indexes) from the longest matching flat prefix.
 *
 * Values:
 *   - A string that is exactly one placeholder is replaced by the value itself, keeping its JSON
 *     type (number, boolean, object, null), so `"amount": "{amount}"` stays a number in a body.
 *   - A placeholder embedded in longer text is stringified: strings as they are, objects and arrays
 *     as JSON, null as the empty string (so a prompt never says "null").
 *   - Substitution is a single pass: an inserted value is never scanned for placeholders again.
 *     This matters for security: a lead payload field containing `{api_secret}` must not pull a
 *     merchant credential into a request the payload author controls.
 *
 * Unknown placeholders are left in the text literally (`{name}`) and reported through
 * `onUnknown`. We chose this over an empty string or an error because a literal brace in the
 * output is visible in transcripts and test conversations, which makes the missing variable easy
 * to find, while an error would abort a live call over a cosmetic gap. Callers that must not
 * send an unresolved request (HTTP hooks, pre-checks) can use `onUnknown` to refuse it.
 *
 * Keys of objects are never substituted.
 */

/** What a placeholder name may look like; exported so schemas can check secret keys with it. */
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_.-]/;

export type VariableSources = {
  credentials?: Record<string, unknown>;
  secrets?: Record<string, unknown>;
  payload?: Record<string, unknown>;
  context?: Record<string, unknown>;
};

export type SubstituteOptions = { onUnknown?: (name: string) => void };

/** Priority is lowest to highest: credentials < secrets < payload < context (later wins). */
export function buildVariablePool(sources: VariableSources): Map<string, unknown> {
  const pool = new Map<string, unknown>();
  for (const source of [sources.credentials, sources.secrets, sources.payload, sources.context]) {
    if (source == null) continue;
    for (const [key, value] of Object.entries(source)) pool.set(key, value);
  }
  return pool;
}

type Token = { kind: 'text'; text: string } | { kind: 'var'; name: string; raw: string };

/** Splits a string into literal text and placeholders, resolving `{{` / `}}` escapes. */
function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  let text = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    const next = input[i + 1];
    if ((ch === '{' && next === '{') || (ch === '}' && next === '}')) {
      text += ch;
      i += 2;
      continue;
    }
    if (ch === '{' && next !== undefined && NAME_START.test(next)) {
      let j = i + 2;
      while (j < input.length && NAME_PART.test(input[j] ?? '')) j++;
      if (input[j] === '}') {
        if (text) tokens.push({ kind: 'text', text });
        text = '';
        const name = input.slice(i + 1, j);
        tokens.push({ kind: 'var', name, raw: `{${name}}` });
        i = j + 1;
        continue;
      }
    }
    text += ch;
    i++;
  }
  if (text) tokens.push({ kind: 'text', text });
  return tokens;
}

const MISSING = Symbol('missing');

function child(container: unknown, segment: string): unknown {
  if (Array.isArray(container)) {
    if (!/^\d+$/.test(segment)) return MISSING;
    const index = Number(segment);
    return index < container.length ? container[index] : MISSING;
  }
  if (container !== null && typeof container === 'object') {
    // Own properties only, so `{x.constructor}` cannot reach into prototypes.
    return Object.hasOwn(container, segment) ? (container as Record<string, unknown>)[segment] : MISSING;
  }
  return MISSING;
}

function lookup(pool: Map<string, unknown>, name: string): unknown {
  // A key explicitly set to undefined carries no value, so it behaves like an unknown name.
  const flat = pool.get(name);
  if (flat !== undefined) return flat;
  const segments = name.split('.');
  for (let cut = segments.length - 1; cut >= 1; cut--) {
    const head = segments.slice(0, cut).join('.');
    if (!pool.has(head)) continue;
    let value: unknown = pool.get(head);
    for (const segment of segments.slice(cut)) {
      value = child(value, segment);
      if (value === MISSING) break;
    }
    if (value !== MISSING && value !== undefined) return value;
  }
  return MISSING;
}

function stringify(value: unknown): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function substituteString(input: string, pool: Map<string, unknown>, opts: SubstituteOptions): unknown {
  if (!input.includes('{') && !input.includes('}')) return input;
  const tokens = tokenize(input);
  const only = tokens.length === 1 ? tokens[0] : undefined;
  if (only?.kind === 'var') {
    const value = lookup(pool, only.name);
    if (value === MISSING) {
      opts.onUnknown?.(only.name);
      return only.raw;
    }
    // Cloned so that a later mutation of the rendered document cannot reach the pool.
    return typeof value === 'object' && value !== null ? structuredClone(value) : value;
  }
  let out = '';
  for (const token of tokens) {
    if (token.kind === 'text') {
      out += token.text;
      continue;
    }
    const value = lookup(pool, token.name);
    if (value === MISSING) {
      opts.onUnknown?.(token.name);
      out += token.raw;
    } else {
      out += stringify(value);
    }
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** Replaces placeholders in every string inside `value` (arrays and plain objects, at any depth). */
export function substitute<T>(value: T, pool: Map<string, unknown>, opts: SubstituteOptions = {}): T {
  return substituteAny(value, pool, opts) as T;
}

function substituteAny(value: unknown, pool: Map<string, unknown>, opts: SubstituteOptions): unknown {
  if (typeof value === 'string') return substituteString(value, pool, opts);
  if (Array.isArray(value)) return value.map((item) => substituteAny(item, pool, opts));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = substituteAny(item, pool, opts);
    return out;
  }
  return value;
}

/** Names of all placeholders in `value` (deep, escapes honoured), unique, in order of first use. */
export function findPlaceholders(value: unknown): string[] {
  const names = new Set<string>();
  const visit = (item: unknown): void => {
    if (typeof item === 'string') {
      for (const token of tokenize(item)) if (token.kind === 'var') names.add(token.name);
    } else if (Array.isArray(item)) {
      item.forEach(visit);
    } else if (isPlainObject(item)) {
      Object.values(item).forEach(visit);
    }
  };
  visit(value);
  return [...names];
}

/**
 * Shorter values are not redacted: a secret of one to three characters ("1", "yes") would blank
 * out ordinary words and digits all over a transcript, and is not a meaningful secret anyway.
 */
export const MIN_REDACTED_LENGTH = 4;

/** The string forms of every credential and template-secret value, for `redactSecrets`. */
export function secretValuesOf(sources: Pick<VariableSources, 'credentials' | 'secrets'>): string[] {
  const values: string[] = [];
  for (const source of [sources.credentials, sources.secrets]) {
    if (source == null) continue;
    for (const value of Object.values(source)) {
      if (value == null) continue;
      values.push(typeof value === 'string' ? value : JSON.stringify(value));
    }
  }
  return values;
}

/**
 * Replaces every occurrence of a secret value with `***`, for transcripts and logs.
 * Besides the raw value it also matches the value as it appears inside a JSON string and
 * percent-encoded in a URL, the two ways a secret typically reaches a log line.
 */
export function redactSecrets(text: string, secretValues: Iterable<string>): string {
  const variants = new Set<string>();
  for (const secret of secretValues) {
    if (secret.trim().length < MIN_REDACTED_LENGTH) continue;
    variants.add(secret);
    variants.add(JSON.stringify(secret).slice(1, -1));
    variants.add(encodeURIComponent(secret));
  }
  if (variants.size === 0) return text;
  // Longest first, so a secret that contains another is replaced whole rather than in part.
  const alternatives = [...variants]
    .sort((a, b) => b.length - a.length)
    .map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return text.replace(new RegExp(alternatives.join('|'), 'g'), '***');
}
