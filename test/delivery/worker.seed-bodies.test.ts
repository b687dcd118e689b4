// The reporting webhook and the service callback, driven through finishAttempt and delivered by
// the worker to a local receiver: exact seed bodies, Standard Webhooks signatures.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { DIALECTS } from '../support/service.ts';
import { startReceiver, type LocalReceiver, type ReceivedRequest } from './local-receiver.ts';
import { startHarness, waitFor, type Harness } from './delivery-harness.ts';

const answered = { platform_status: 'INITIATED', provider_status: 'ANSWERED', provider_reason: 'COMPLETED', session_end_reason: 'AGENT_ENDED', agent_outcome: 'confirmed', agent_outcome_source: 'LLM' } as const;
const conversation = {
  transcription: [
    { role: 'assistant', content: 'Hello Rahul...' },
    { role: 'user', content: 'Yes, that works.' },
  ],
  node_traversal: ['greeting', 'farewell'],
  node_entries: [
    { node: 'greeting', at: '2026-02-01T10:35:01.250Z' },
    { node: 'farewell', at: '2026-02-01T10:36:12.900Z' },
  ],
  function_calls: [{ name: 'confirmed', arguments: {}, node: 'greeting', at: '2026-02-01T10:36:10.000Z' }],
  collected_fields: { slot: 'morning' },
  errors: [],
};

describe.each(DIALECTS)('reporting webhook and service callback bodies (%s)', (dialect) => {
  let receiver: LocalReceiver;
  let h: Harness;
  let secret: string;

  beforeAll(async () => {
    receiver = await startReceiver((_req, res) => res.writeHead(204).end());
    h = await startHarness(dialect, {}, { callbackUrl: `${receiver.url}/callback` });
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  const received = (path: string, leadId: string) =>
    waitFor(() => receiver.requests.find((r) => r.url === path && r.body.includes(leadId)), 5_000, `a request to ${path}`);

  /** The merchant's secret was created by the first delivery; the merchant may see it once. */
  async function merchantSecret(): Promise<string> {
    if (secret) return secret;
    const res = await h.t.api('POST', '/webhooks/signing-secret', { token: h.tokens.merchant, body: {} });
    expect(res.statusCode).toBe(200);
    secret = res.json().secret;
    return secret;
  }

  function verify(req: ReceivedRequest, key: string): unknown {
    return new Webhook(key).verify(req.body, req.headers as Record<string, string>);
  }

  it('success: the seed body, key for key, signed with the merchant secret', async () => {
    const leadId = await h.pushLead('req_unique_001', `${receiver.url}/report`);
    await h.finishLead(leadId, 'CA1234567890abcdef', { facts: answered, conversation, callEndedBy: 'agent', recordingUrl: 'https://storage/recording.mp3' });
    const req = await received('/report', leadId);
    const body = JSON.parse(req.body);
    expect(Object.keys(body)).toEqual(['orderId', 'leadId', 'callSid', 'outcome', 'status', 'attemptCount', 'transcription', 'recordingUrl', 'completedAt']);
    expect(body).toEqual({
      orderId: 'req_unique_001',
      leadId,
      callSid: 'CA1234567890abcdef',
      outcome: 'confirmed',
      status: 'FINISHED',
      attemptCount: 1,
      transcription: conversation.transcription,
      recordingUrl: 'https://storage/recording.mp3',
      completedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['webhook-id']).toMatch(/^msg_[0-9A-Z]{26}$/);
    expect(verify(req, await merchantSecret())).toEqual(body);
  });

  it('success also sends the service callback with the template headers, signed', async () => {
    const leadId = await h.pushLead('req_callback', `${receiver.url}/report`);
    await h.finishLead(leadId, 'CA-callback', { facts: answered, conversation, callEndedBy: 'customer' });
    const req = await received('/callback', leadId);
    const body = JSON.parse(req.body);
    expect(body).toEqual({
      lead_id: leadId,
      order_id: 'req_callback',
      call_sid: 'CA-callback',
      outcome: 'confirmed',
      transcription: conversation.transcription,
      node_traversal: [
        { node_id: 'greeting', entered_at: '2026-02-01T10:35:01Z' },
        { node_id: 'farewell', entered_at: '2026-02-01T10:36:12Z' },
      ],
      collected_fields: { slot: 'morning' },
      function_calls: [{ name: 'confirmed', arguments: {}, result: null, called_at: '2026-02-01T10:36:10Z' }],
      ended_by: 'user',
      completed_at: expect.any(String),
    });
    expect(req.headers['x-crm']).toBe('buddy');
    expect(verify(req, await merchantSecret())).toEqual(body);
  });

  it.each([
    ['no answer', { platform_status: 'INITIATED', provider_status: 'NOT_ANSWERED', provider_reason: 'NO_ANSWER' }, undefined, 'NO_ANSWER', 'Call not answered (no-answer)'],
    ['pre-check refusal', { platform_status: 'NOT_INITIATED', platform_reason: 'PRECHECK_FAILED' }, 'DND Check returned blocked=true', 'PRECHECK_FAILED', 'DND Check returned blocked=true'],
    ['telephony error', { platform_status: 'INITIATED', provider_status: 'UNKNOWN', provider_reason: 'FAILED' }, undefined, 'UNKNOWN', 'Call state unknown'],
    ['blacklisted number', { platform_status: 'NOT_INITIATED', platform_reason: 'BLACKLISTED' }, undefined, 'BLACKLISTED', 'Call not placed: BLACKLISTED'],
  ] as const)('failure (%s): the seed failure body', async (name, facts, failureReason, outcome, reason) => {
    const requestId = `req_${name.replace(/\W/g, '_')}`;
    const leadId = await h.pushLead(requestId, `${receiver.url}/report`);
    await h.finishLead(leadId, facts.platform_status === 'INITIATED' ? `CA-${requestId}` : null, { facts, ...(failureReason ? { failureReason } : {}) });
    const req = await received('/report', leadId);
    const body = JSON.parse(req.body);
    expect(Object.keys(body)).toEqual(['orderId', 'leadId', 'outcome', 'attemptCount', 'failureReason']);
    expect(body).toEqual({ orderId: requestId, leadId, outcome, attemptCount: 1, failureReason: reason });
    expect(verify(req, await merchantSecret())).toEqual(body);
    // The attempt is recorded just after the response.
    const attempts = await waitFor(async () => {
      const rows = await h.attempts(req.headers['webhook-id'] as string);
      return rows.length > 0 && rows;
    });
    expect(attempts).toMatchObject([{ attempt_number: 1, status_code: 204, outcome: 'succeeded', trigger: 'scheduled', error: null }]);
  });
});
