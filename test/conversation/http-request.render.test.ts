import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderHttpRequest } from '../../src/conversation/http-request.ts';
import { buildVariablePool } from '../../src/domain/variables.ts';
import { createOutboundClient } from '../../src/delivery/outbound-http.ts';
import { guardedPort, trustedPort } from '../../src/conversation/http-port.ts';
import { runTestConversation } from '../../src/conversation/test-conversation.ts';
import { startReceiver, type LocalReceiver } from '../delivery/local-receiver.ts';
import type { Template } from '../../src/db/repos/templates.ts';

const pool = buildVariablePool({
  secrets: { token: 'sk-secret-1234' },
  payload: { amount: 42, customer: { name: 'Asha' } },
  context: { lead_id: 'L1' },
});
const request = (extra: Record<string, unknown>) => ({ url: 'https://crm.example.com/x', method: 'POST' as const, headers: {}, timeout: 10, ...extra });

describe('rendering an http_request', () => {
  it('substitutes at every depth, keeps whole-placeholder types, appends query parameters', () => {
    const result = renderHttpRequest(
      request({
        url: 'https://crm.example.com/leads/{lead_id}',
        headers: { Authorization: 'Bearer {token}' },
        query_params: { who: '{customer.name}', n: 3 },
        body: { amount: '{amount}', text: 'Total {amount}', nested: [{ name: '{customer.name}' }] },
      }),
      pool,
    );
    expect(result).toEqual({
      ok: true,
      request: {
        url: 'https://crm.example.com/leads/L1?who=Asha&n=3',
        method: 'POST',
        headers: { authorization: 'Bearer sk-secret-1234', 'content-type': 'application/json' },
        body: { amount: 42, text: 'Total 42', nested: [{ name: 'Asha' }] },
      },
    });
  });

  it('refuses a request with any unknown placeholder, naming it', () => {
    expect(renderHttpRequest(request({ headers: { 'x-key': '{nope}' }, body: { a: '{also_nope}' } }), pool)).toEqual({
      ok: false,
      reason: 'unknown variables {nope}, {also_nope}',
    });
    expect(renderHttpRequest(request({ url: '{lead_id}' }), pool)).toMatchObject({ ok: false, reason: expect.stringContaining('not an absolute URL') });
  });

  it('sends the default body (the LLM\'s arguments) as data, never as a template', () => {
    const result = renderHttpRequest(request({}), pool, { note: '{token}' });
    expect(result).toMatchObject({ ok: true, request: { body: { note: '{token}' } } });
  });

  it('sends no body with GET', () => {
    expect(renderHttpRequest(request({ method: 'GET', body: { a: 1 } }), pool)).toEqual({
      ok: true,
      request: { url: 'https://crm.example.com/x', method: 'GET', headers: {} },
    });
  });
});

describe('an HTTP function that does not answer in time', () => {
  let receiver: LocalReceiver;
  const client = createOutboundClient({ allowPrivateNetworks: ['127.0.0.0/8'], connectTimeoutMs: 1000, totalTimeoutMs: 30_000, maxResponseBytes: 1 << 20 });
  beforeAll(async () => {
    receiver = await startReceiver(() => {
      /* never answers */
    });
  });
  afterAll(async () => {
    await client.destroy();
    await receiver.close();
  });

  it('gives the LLM a timeout error and the call goes on', async () => {
    const template: Template = {
      id: 't1',
      reseller_id: 'r',
      merchant_id: null,
      name: 'slow',
      flow: {
        initial_node: 'main',
        nodes: [
          {
            node_name: 'main',
            task_messages: [{ role: 'system', content: 'Look it up.' }],
            functions: [{ name: 'lookup', http_request: { url: `${receiver.url}/slow`, timeout: 1 } }],
          },
        ],
      },
      expected_payload_schema: null,
      configurations: {},
      secrets: {},
      expected_callback_response_schema: null,
      outbound_number_id: null,
      is_active: true,
      created_at: 0,
      updated_at: 0,
    };
    const started = Date.now();
    const result = await runTestConversation(
      { llmEnv: { baseUrl: undefined, apiKey: undefined, model: undefined, timeoutMs: 5000 }, guarded: guardedPort(client), trusted: trustedPort() },
      {
        template,
        payload: {},
        credentials: {},
        turns: [],
        llmReplies: [{ tool_calls: [{ name: 'lookup' }] }, { content: 'The system is slow today.' }],
        callHttpFunctions: true,
      },
    );
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.function_calls[0]).toMatchObject({ name: 'lookup', result: { error: 'timeout' } });
    expect(result.turns[0]!.output).toMatchObject({ say: ['The system is slow today.'], next: { kind: 'gather' } });
    expect(receiver.requests).toHaveLength(1);
  });
});
