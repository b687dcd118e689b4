import { z } from 'zod';
import { VARIABLE_NAME } from '../variables.ts';
import { templateConfigurationsSchema } from './configurations-schema.ts';
import { ivrFlowSchema } from './ivr-flow-schema.ts';
import { checkJsonSchema } from './json-schema.ts';
import { llmFlowSchema } from './llm-flow-schema.ts';
import { addIssue } from './validation-issue.ts';

export const FLOW_MODES = ['llm', 'ivr'] as const;
export type FlowMode = (typeof FLOW_MODES)[number];

/** `mode` is optional and defaults to "llm"; it picks which node shape the flow uses. */
export const flowSchema = z.preprocess(
  (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) && !('mode' in v) ? { ...v, mode: 'llm' } : v),
  z.discriminatedUnion('mode', [llmFlowSchema, ivrFlowSchema]),
);

export type Flow = z.output<typeof flowSchema>;

export const TEMPLATE_NAME = /^[A-Za-z0-9._-]+$/;

const nameSchema = z
  .string()
  .min(1)
  .max(100)
  // `*` rather than TEMPLATE_NAME's `+`: an empty name is already reported by min(1).
  .regex(/^[A-Za-z0-9._-]*$/, 'name may only contain letters, digits, ".", "_" and "-"');

const jsonSchemaSchema = z
  .record(z.string(), z.unknown(), { error: 'must be a JSON Schema object' })
  .superRefine((schema, ctx) => {
    const problem = checkJsonSchema(schema);
    if (problem) addIssue(ctx, [], 'invalid_json_schema', problem);
  });

const secretsSchema = z.record(
  z.string().regex(VARIABLE_NAME, 'secret names must be usable as {variables}: a letter or _, then letters, digits, _ . -'),
  z.string({ error: 'secret values must be strings' }),
);

// null is accepted wherever a field is optional, so a document read back from the API (which
// shows unset fields as null) can be sent again unchanged; in a patch, null clears the field.
const fields = {
  name: nameSchema,
  flow: flowSchema,
  expected_payload_schema: jsonSchemaSchema.nullable().optional(),
  configurations: templateConfigurationsSchema.nullable().optional(),
  secrets: secretsSchema.nullable().optional(),
  expected_callback_response_schema: jsonSchemaSchema.nullable().optional(),
  outbound_number_id: z.string().min(1).nullable().optional(),
};

/**
 * The body of `POST /templates` minus ownership. Unknown top-level keys are dropped rather
 * than refused, so ownership fields and read-only ones (`id`, timestamps) in a document that was
 * read, edited and sent back do not fail validation. Inside `flow` unknown keys are refused: there
 * a typo (`transition_too`) would silently change how the call behaves.
 */
export const templateDocumentSchema = z.object({
  ...fields,
  is_active: z.boolean().default(true),
});

export type TemplateDocument = z.output<typeof templateDocumentSchema>;

/** An update: every field optional and no defaults applied; a present `flow` is still whole. */
export const templatePatchSchema = z.object({
  name: fields.name.optional(),
  flow: fields.flow.optional(),
  expected_payload_schema: fields.expected_payload_schema,
  configurations: fields.configurations,
  secrets: fields.secrets,
  expected_callback_response_schema: fields.expected_callback_response_schema,
  outbound_number_id: fields.outbound_number_id,
  is_active: z.boolean().optional(),
});

export type TemplatePatch = z.output<typeof templatePatchSchema>;
