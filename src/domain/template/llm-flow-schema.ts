import { z } from 'zod';
import { flowActionSchema } from './flow-action-schema.ts';
import { flowFunctionSchema } from './flow-function-schema.ts';
import { httpRequestSchema } from './http-request-schema.ts';
import { addIssue } from './validation-issue.ts';

export const taskMessageSchema = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: z.string(),
});

export type TaskMessage = z.output<typeof taskMessageSchema>;

export const NODE_NAME_MAX = 100;
export const nodeNameSchema = z.string().min(1).max(NODE_NAME_MAX);

// Pipeline overrides the engine passes through untouched; their fields belong to the voice
// pipeline (reference §14.4-14.6), not to the flow.
const pipelineOverrideSchema = z.record(z.string(), z.unknown());

/**
 * One phase of an LLM conversation. Lifecycle: enter → `pre_actions` → the LLM works on
 * `role_messages` + `task_messages` with the node's functions plus the global ones → a function
 * call fires its hooks and `post_actions` → move to its `transition_to` (or stay).
 */
export const flowNodeSchema = z
  .strictObject({
    node_name: nodeNameSchema,
    task_messages: z.array(taskMessageSchema).default([]),
    role_messages: z.array(taskMessageSchema).default([]),
    pre_actions: z.array(flowActionSchema).default([]),
    post_actions: z.array(flowActionSchema).default([]),
    functions: z.array(flowFunctionSchema).default([]),
    vad_config: pipelineOverrideSchema.optional(),
    interruption: pipelineOverrideSchema.optional(),
    input_collection: pipelineOverrideSchema.optional(),
  })
  .superRefine((node, ctx) => {
    const seen = new Map<string, number>();
    node.functions.forEach((fn, i) => {
      const first = seen.get(fn.name);
      if (first === undefined) seen.set(fn.name, i);
      else addIssue(ctx, ['functions', i, 'name'], 'duplicate_function', `duplicate function name "${fn.name}" (also functions[${first}])`);
    });
  });

export type FlowNode = z.output<typeof flowNodeSchema>;

/** A service callback: sent through the outbox once the conversation has ended. */
export const endConversationCallbackSchema = z.strictObject({
  name: z.string().min(1).optional(),
  http_request: httpRequestSchema,
});

export type EndConversationCallback = z.output<typeof endConversationCallbackSchema>;

export const llmFlowSchema = z.strictObject({
  mode: z.literal('llm'),
  initial_node: nodeNameSchema,
  nodes: z.array(flowNodeSchema).min(1, 'a flow needs at least one node'),
  global_functions: z.array(flowFunctionSchema).default([]),
  end_conversation_callbacks: z.array(endConversationCallbackSchema).default([]),
});

export type LlmFlow = z.output<typeof llmFlowSchema>;
