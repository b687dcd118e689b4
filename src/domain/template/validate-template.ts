import type { z } from 'zod';
import { checkFlow } from './check-flow.ts';
import { templateDocumentSchema, templatePatchSchema, type TemplateDocument, type TemplatePatch } from './template-schema.ts';
import { fromZodIssues, type ValidationIssue } from './validation-issue.ts';

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

/**
 * Shape first (every shape issue in one pass), then cross-references. Cross-reference checks
 * need a well-formed flow, so they only run — and only report — once the shape is valid.
 */
function validateWith<T extends { flow?: TemplateDocument['flow'] | undefined }>(
  schema: z.ZodType<T>,
  input: unknown,
): ValidationResult<T> {
  const parsed = schema.safeParse(input, { reportInput: true });
  if (!parsed.success) return { ok: false, issues: fromZodIssues(parsed.error.issues) };
  const issues = parsed.data.flow ? checkFlow(parsed.data.flow) : [];
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: parsed.data };
}

/** Validates a whole template document, normalising it (defaults, `function_name` → `name`). */
export function validateTemplateDocument(input: unknown): ValidationResult<TemplateDocument> {
  return validateWith(templateDocumentSchema, input);
}

/** Validates an update: each top-level field optional; a present `flow` is validated whole. */
export function validateTemplatePatch(input: unknown): ValidationResult<TemplatePatch> {
  return validateWith(templatePatchSchema, input);
}
