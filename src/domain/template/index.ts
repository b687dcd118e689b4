export { validateTemplateDocument, validateTemplatePatch, type ValidationResult } from './validate-template.ts';
export { formatLoc, type ValidationIssue } from './validation-issue.ts';
export { compilePayloadValidator, checkJsonSchema, type PayloadValidator } from './json-schema.ts';
export { checkFlow } from './check-flow.ts';
export {
  FLOW_MODES,
  TEMPLATE_NAME,
  templateDocumentSchema,
  templatePatchSchema,
  type Flow,
  type FlowMode,
  type TemplateDocument,
  type TemplatePatch,
} from './template-schema.ts';
export { type LlmFlow, type FlowNode, type TaskMessage, type EndConversationCallback } from './llm-flow-schema.ts';
export { FUNCTION_NAME, type FlowFunction } from './flow-function-schema.ts';
export { BUILTIN_HOOKS, isBuiltinHook, llmArgumentOf, type BuiltinHookName, type ExpectedField, type Hook } from './hook-schema.ts';
export { ACTION_HANDLERS, type ActionHandler, type FlowAction } from './flow-action-schema.ts';
export {
  HTTP_METHODS,
  HTTP_TIMEOUT_DEFAULT_S,
  HTTP_TIMEOUT_MAX_S,
  HTTP_TIMEOUT_MIN_S,
  type HttpMethod,
  type HttpRequestConfig,
} from './http-request-schema.ts';
export {
  IVR_ACTIONS,
  IVR_DIGITS,
  IVR_MAX_RETRIES_DEFAULT,
  IVR_TIMEOUT_DEFAULT_S,
  type IvrAction,
  type IvrDigit,
  type IvrFlow,
  type IvrNode,
  type IvrOption,
} from './ivr-flow-schema.ts';
export {
  type LlmConfigurations,
  type TemplateConfigurations,
  type UserIdleConfiguration,
} from './configurations-schema.ts';
