import { z } from 'zod';
import { flowActionSchema } from './flow-action-schema.ts';
import { hookSchema, llmArgumentOf } from './hook-schema.ts';
import { httpRequestSchema } from './http-request-schema.ts';
import { checkJsonSchema } from './json-schema.ts';
import { addIssue } from './validation-issue.ts';

/** OpenAI-compatible tool names are limited to this; anything else fails at the LLM, mid-call. */
export const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The reference uses `name` on its docs site and `function_name` in its warm-transfer guide;
 * both are accepted and the document is normalised to `name`.
 */
function aliasFunctionName(input: unknown, ctx: z.RefinementCtx): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || !('function_name' in input)) return input;
  const { function_name: alias, ...rest } = input as Record<string, unknown>;
  if (!('name' in rest)) return { ...rest, name: alias };
  if (rest['name'] !== alias) {
    addIssue(ctx, ['function_name'], 'conflicting_alias', '"function_name" is an alias of "name"; give only one of them');
  }
  return rest;
}

// Each property is compiled on its own so an issue points at the property that is wrong; this
// runs on the field itself, so it is reported even when another field of the function is wrong.
const propertySchema = z
  .record(z.string(), z.unknown(), {
    error: 'each property must be a JSON Schema object such as {"type": "string"}',
  })
  .superRefine((definition, ctx) => {
    const problem = checkJsonSchema(definition);
    if (problem) addIssue(ctx, [], 'invalid_json_schema', problem);
  });

/**
 * A tool the LLM may call. `properties` / `required` describe its arguments (as JSON Schema
 * `properties` and `required`); `transition_to` names the next node, null to stay.
 * With `http_request` it is an HTTP function: the call waits for the answer and hands it to the LLM.
 */
export const flowFunctionSchema = z.preprocess(
  aliasFunctionName,
  z
    .strictObject({
      name: z.string().regex(FUNCTION_NAME, 'function names must be 1-64 characters of A-Z, a-z, 0-9, _ or -'),
      description: z.string().optional(),
      properties: z.record(z.string(), propertySchema).default({}),
      required: z.array(z.string()).default([]),
      transition_to: z.string().min(1).nullable().default(null),
      hooks: z.array(hookSchema).default([]),
      http_request: httpRequestSchema.optional(),
      post_actions: z.array(flowActionSchema).default([]),
    })
    .superRefine((fn, ctx) => {
      fn.required.forEach((arg, i) => {
        if (!Object.hasOwn(fn.properties, arg)) {
          addIssue(ctx, ['required', i], 'unknown_property', `"${arg}" is required but is not one of the properties`);
        }
      });
      fn.hooks.forEach((hook, h) => {
        for (const [field, spec] of Object.entries(hook.expected_fields)) {
          const arg = llmArgumentOf(field, spec);
          if (arg !== undefined && !Object.hasOwn(fn.properties, arg)) {
            addIssue(
              ctx,
              ['hooks', h, 'expected_fields', field],
              'unknown_property',
              `source "llm" reads argument "${arg}", which is not one of the function's properties`,
            );
          }
        }
      });
    }),
);

export type FlowFunction = z.output<typeof flowFunctionSchema>;
