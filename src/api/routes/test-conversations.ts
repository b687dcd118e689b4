/**
 * `POST /templates/{id}/test-conversations`: runs a template in text with scripted caller turns
 * (and optionally scripted LLM replies) and answers with the transcript, node traversal,
 * function calls, the hook requests that would be sent, and the outcome. Nothing is stored and
 * no hook is sent, so template authors can run it in CI.
 */
import { z } from 'zod';
import type { AppDeps, Routes } from '../app.ts';
import { authorize, visibleOr404 } from '../authenticate.ts';
import { unprocessable } from '../errors.ts';
import { findTemplateById } from '../../db/repos/templates.ts';
import { compilePayloadValidator, HTTP_TIMEOUT_MAX_S } from '../../domain/template/index.ts';
import { createOutboundClient, type OutboundClient } from '../../delivery/outbound-http.ts';
import { guardedPort, MAX_ANSWER_BYTES, trustedPort } from '../../conversation/http-port.ts';
import { loadCredentials } from '../../conversation/call-records.ts';
import { runTestConversation } from '../../conversation/test-conversation.ts';

const params = z.object({ id: z.string().min(1) });

const scriptedTurn = z.union([
  z.strictObject({ say: z.string() }),
  z.strictObject({ dtmf: z.string().regex(/^[0-9*#]+$/, 'digits are 0-9, * and #') }),
  z.strictObject({ no_input: z.literal(true) }),
  z.strictObject({ hangup: z.literal(true) }),
]);

const scriptedReply = z.strictObject({
  content: z.string().nullish(),
  tool_calls: z
    .array(z.strictObject({ name: z.string().min(1), arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).optional() }))
    .optional(),
});

const body = z.object({
  payload: z.record(z.string(), z.unknown()).default({}),
  /** The caller's turns after the call is answered, in order. */
  turns: z.array(scriptedTurn).max(200).default([]),
  /** Replies the LLM gives, one per request; absent: the template's or the deployment's LLM. */
  llm_replies: z.array(scriptedReply).max(500).optional(),
  /** HTTP functions' answers by function name. */
  function_responses: z.record(z.string(), z.unknown()).optional(),
  /** Really call HTTP functions that have no scripted answer. */
  call_http_functions: z.boolean().default(false),
  context: z
    .strictObject({
      lead_id: z.string().min(1).optional(),
      request_id: z.string().min(1).optional(),
      call_sid: z.string().min(1).optional(),
      attempt_count: z.int().min(1).optional(),
    })
    .optional(),
});

export function registerTestConversationRoutes(app: Routes, deps: AppDeps): void {
  const db = deps.db.kysely;
  let client: OutboundClient | null = null;
  const outbound = (): OutboundClient =>
    (client ??= createOutboundClient({
      allowPrivateNetworks: deps.config.outboundAllowPrivateNetworks,
      connectTimeoutMs: 5_000,
      totalTimeoutMs: Math.max(HTTP_TIMEOUT_MAX_S * 1000, deps.config.llm.timeoutMs),
      maxResponseBytes: MAX_ANSWER_BYTES,
    }));
  app.addHook('onClose', async () => {
    await client?.close();
  });

  app.post('/templates/:id/test-conversations', { schema: { params, body, tags: ['templates'] } }, async (req) => {
    // Running a template changes nothing, so another tenant's template is a 404 as for a read;
    // it costs LLM calls and may call HTTP functions, so it needs the role that may edit templates.
    const principal = authorize(req, 'templates', 'write');
    const template = visibleOr404(principal, await findTemplateById(db, req.params.id), 'Template');
    const { payload, turns, llm_replies, function_responses, call_http_functions, context } = req.body;
    if (template.expected_payload_schema) {
      const issues = compilePayloadValidator(template.expected_payload_schema)(payload);
      if (issues.length > 0) throw unprocessable(issues);
    }
    const guarded = guardedPort({ request: (r) => outbound().request(r) });
    return runTestConversation(
      { llmEnv: deps.config.llm, guarded, trusted: trustedPort() },
      {
        template,
        payload,
        credentials: await loadCredentials(db, template),
        ...(context ? { context } : {}),
        turns,
        ...(llm_replies ? { llmReplies: llm_replies } : {}),
        ...(function_responses ? { functionResponses: function_responses } : {}),
        callHttpFunctions: call_http_functions,
      },
    );
  });
}
