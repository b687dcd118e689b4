import { z } from 'zod';
import { httpRequestSchema } from './http-request-schema.ts';
import { addIssue } from './validation-issue.ts';

/**
 * Hooks run when their function is called, without delaying the conversation.
 * Built-ins: `update_outcome_in_database` writes the fields (the outcome among them) to the lead;
 * `set_transfer_flag` stores `transfer_number` for a following `warm_transfer` action.
 * Any other name is an HTTP hook and must carry an `http_request`.
 */
export const BUILTIN_HOOKS = ['update_outcome_in_database', 'set_transfer_flag'] as const;
export type BuiltinHookName = (typeof BUILTIN_HOOKS)[number];

export function isBuiltinHook(name: string): name is BuiltinHookName {
  return (BUILTIN_HOOKS as readonly string[]).includes(name);
}

const staticValue = z.unknown().refine((v) => v !== undefined, {
  message: 'a "static" source needs a value',
  params: { type: 'missing' },
});

/**
 * Where a hook field's value comes from:
 * - `static`: `value` itself;
 * - `llm`: the function-call argument named by `value` (default: the field name);
 * - `context`: the runtime variable or configuration key named by `value`.
 */
export const expectedFieldSchema = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('static'), value: staticValue }),
  z.strictObject({ source: z.literal('llm'), value: z.string().min(1).optional() }),
  z.strictObject({
    source: z.literal('context'),
    value: z.string({ error: 'a "context" source needs the name of a context key in value' }).min(1),
  }),
]);

export type ExpectedField = z.output<typeof expectedFieldSchema>;

export const hookSchema = z
  .strictObject({
    name: z.string().min(1).max(100),
    expected_fields: z.record(z.string().min(1), expectedFieldSchema).default({}),
    http_request: httpRequestSchema.optional(),
  })
  .superRefine((hook, ctx) => {
    const builtin = isBuiltinHook(hook.name);
    if (!builtin && !hook.http_request) {
      addIssue(
        ctx,
        ['name'],
        'unknown_hook',
        `unknown hook "${hook.name}": use a built-in hook (${BUILTIN_HOOKS.join(', ')}) or give an http_request`,
      );
    }
    if (builtin && hook.http_request) {
      // Ambiguous: would the built-in run, the request, or both? Make the author pick a name.
      addIssue(ctx, ['http_request'], 'ambiguous_hook', `built-in hook "${hook.name}" cannot have an http_request; give the HTTP hook its own name`);
    }
  });

export type Hook = z.output<typeof hookSchema>;

/** The function argument an `llm` field reads. */
export function llmArgumentOf(field: string, spec: ExpectedField): string | undefined {
  return spec.source === 'llm' ? (spec.value ?? field) : undefined;
}
