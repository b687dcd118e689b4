import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, issueTokens, sampleTemplate, startTestService, type TestService, type Tokens } from '../support/service.ts';
import { finishAttempt, recordPlaced, recordPlacedCalls, startAttempt, startAttempts } from '../../src/calls/attempts.ts';
import { outcomeOf, NO_FACTS } from '../../src/domain/outcome.ts';

describe('outcome precedence (reference §11.2)', () => {
  it('derives the word from the facts', () => {
    expect(outcomeOf({ ...NO_FACTS, platform_status: 'NOT_INITIATED', platform_reason: 'BLACKLISTED' })).toBe('BLACKLISTED');
    expect(outcomeOf({ ...NO_FACTS, platform_status: 'INITIATED', provider_status: 'NOT_ANSWERED', provider_reason: 'BUSY' })).toBe('NO_ANSWER');
    expect(outcomeOf({ ...NO_FACTS, provider_status: 'UNKNOWN' })).toBe('UNKNOWN');
    const answered = { ...NO_FACTS, platform_status: 'INITIATED' as const, provider_status: 'ANSWERED' as const };
    expect(outcomeOf({ ...answered, session_end_reason: 'TRANSFERRED', agent_outcome: 'confirmed' })).toBe('TRANSFERRED');
    expect(outcomeOf({ ...answered, session_end_reason: 'USER_IDLE_TIMEOUT', agent_outcome: 'confirmed' })).toBe('BUSY');
    expect(outcomeOf({ ...answered, session_end_reason: 'AGENT_ENDED', agent_outcome: 'confirmed' })).toBe('confirmed');
    expect(outcomeOf({ ...answered, session_end_reason: 'CUSTOMER_HANGUP' })).toBe('BUSY');
    expect(outcomeOf({ ...answered, session_end_reason: 'EARLY_HANGUP' })).toBe('EARLY_HANGUP');
    expect(outcomeOf({ ...answered, session_end_reason: 'AGENT_ENDED' })).toBe(null);
    expect(outcomeOf(answered)).toBe('UNKNOWN');
  });
});

describe.each(DIALECTS)('finishing attempts (%s)', (dialect) => {
  let t: TestService;
  let tokens: Tokens;
  beforeAll(async () => {
    t = await startTestService(dialect);
    tokens = await issueTokens(t);
    const tpl = (await t.api('POST', '/templates', { token: tokens.merchant, body: sampleTemplate('attempts') })).json();
    await t.api('POST', '/configurations', { token: tokens.reseller, body: { template_id: tpl.id, max_retry: 1, retry_offset: 60 } });
  });
  afterAll(() => t.close());

  const db = () => t.service.db.kysely;
  const pushLead = async (request_id: string) =>
    (
      await t.api('POST', '/leads', {
        token: tokens.merchant,
        body: { request_id, template: 'attempts', reporting_webhook_url: 'https://hooks.example.com/r', payload: { customer_mobile_number: '+14155551234', customer_name: 'Asha' } },
      })
    ).json().lead_id as string;
  const dial = (leadId: string) => db().transaction().execute((trx) => startAttempt(trx, { leadId, provider: 'twilio', isTest: true, toNumber: '+14155551234' }));
  const messages = (leadId: string) => db().selectFrom('webhook_messages').selectAll().where('lead_id', '=', leadId).orderBy('created_at').execute();
  const notAnswered = { platform_status: 'INITIATED' as const, provider_status: 'NOT_ANSWERED' as const, provider_reason: 'NO_ANSWER' as const };

  it('starts and records several leads\' attempts at once, each with its own number and call id', async () => {
    const leads = [await pushLead('group-1'), await pushLead('group-2')];
    const started = await db()
      .transaction()
      .execute((trx) => startAttempts(trx, leads.map((leadId) => ({ leadId, provider: 'twilio', isTest: true, toNumber: '+14155551234' }))));
    expect(started.map((a) => [a.lead_id, a.attempt_number, a.dial_key])).toEqual(leads.map((id) => [id, 1, `${id}:1`]));
    // A callback that arrived first (status_rank 2) is not moved back by the late record.
    await db().updateTable('call_attempts').set({ status: 'ringing', status_rank: 2 }).where('id', '=', started[1]!.id).execute();
    await recordPlacedCalls(db(), [
      { attemptId: started[0]!.id, callId: 'CA-group-1' },
      { attemptId: started[1]!.id, callId: 'CA-group-2' },
    ]);
    const rows = await db().selectFrom('call_attempts').select(['lead_id', 'call_id', 'status']).where('id', 'in', started.map((a) => a.id)).orderBy('call_id').execute();
    expect(rows).toEqual([
      { lead_id: leads[0], call_id: 'CA-group-1', status: 'initiated' },
      { lead_id: leads[1], call_id: 'CA-group-2', status: 'ringing' },
    ]);
    for (const [i, leadId] of leads.entries()) {
      expect((await t.api('GET', `/leads/${leadId}`, { token: tokens.merchant })).json()).toMatchObject({ status: 'PROCESSING', attempt_count: 1, call_id: `CA-group-${i + 1}` });
    }
    await expect(recordPlacedCalls(db(), [{ attemptId: 'no-such-attempt', callId: 'CA-x' }])).rejects.toThrow('no such attempt');
  });

  it('retries NO_ANSWER while attempts remain (max_retry counts retries), then finishes', async () => {
    const leadId = await pushLead('retry-boundary');
    const first = await dial(leadId);
    await recordPlaced(db(), first.id, 'CA-first');
    const r1 = await finishAttempt(db(), { attemptId: first.id, facts: notAnswered });
    expect(r1).toMatchObject({ finished: true, outcome: 'NO_ANSWER', leadStatus: 'BACKLOG' });
    let lead = (await t.api('GET', `/leads/${leadId}`, { token: tokens.merchant })).json();
    expect(lead).toMatchObject({ status: 'BACKLOG', attempt_count: 1, outcome: 'NO_ANSWER', call_id: 'CA-first', provider_reason: 'NO_ANSWER' });
    expect(Date.parse(lead.next_attempt_at) - Date.now()).toBeGreaterThan(55_000);

    const second = await dial(leadId);
    expect(second.attempt_number).toBe(2);
    const r2 = await finishAttempt(db(), { attemptId: second.id, facts: notAnswered });
    expect(r2).toMatchObject({ outcome: 'NO_ANSWER', leadStatus: 'FINISHED' });
    lead = (await t.api('GET', `/leads/${leadId}`, { token: tokens.merchant })).json();
    expect(lead).toMatchObject({ status: 'FINISHED', attempt_count: 2, next_attempt_at: null });

    const sent = await messages(leadId);
    expect(sent).toHaveLength(2);
    expect(sent.map((m) => JSON.parse(m.body).attemptCount)).toEqual([1, 2]);
    expect(JSON.parse(sent[0]!.body)).toEqual({
      orderId: 'retry-boundary',
      leadId,
      outcome: 'NO_ANSWER',
      attemptCount: 1,
      failureReason: 'Call not answered (no-answer)',
    });
  });

  it('finishes exactly once: a repeated finish changes nothing and queues nothing', async () => {
    const leadId = await pushLead('once');
    const attempt = await dial(leadId);
    await recordPlaced(db(), attempt.id, 'CA-once');
    const facts = { platform_status: 'INITIATED' as const, provider_status: 'ANSWERED' as const, provider_reason: 'COMPLETED' as const, session_end_reason: 'AGENT_ENDED' as const, agent_outcome: 'confirmed', agent_outcome_source: 'LLM' as const };
    const conversation = { transcription: [{ role: 'assistant', content: 'Hello Asha' }, { role: 'user', content: 'Yes' }], node_traversal: ['greeting', 'farewell'], function_calls: [], collected_fields: {}, errors: [] };
    const done = await finishAttempt(db(), { attemptId: attempt.id, facts, conversation, callEndedBy: 'agent', recordingUrl: 'https://rec.example.com/1.mp3' });
    expect(done).toMatchObject({ finished: true, outcome: 'confirmed', leadStatus: 'FINISHED' });
    expect(await finishAttempt(db(), { attemptId: attempt.id, facts: notAnswered })).toEqual({ finished: false });
    const lead = (await t.api('GET', `/leads/${leadId}`, { token: tokens.merchant })).json();
    expect(lead).toMatchObject({ status: 'FINISHED', outcome: 'confirmed', recording_url: 'https://rec.example.com/1.mp3', session_end_reason: 'AGENT_ENDED' });
    expect(lead.metaData).toMatchObject({ transcription: conversation.transcription, node_traversal: ['greeting', 'farewell'], call_ended_by: 'agent' });
    const sent = await messages(leadId);
    expect(sent).toHaveLength(1);
    const body = JSON.parse(sent[0]!.body);
    expect(Object.keys(body)).toEqual(['orderId', 'leadId', 'callSid', 'outcome', 'status', 'attemptCount', 'transcription', 'recordingUrl', 'completedAt']);
    expect(body).toMatchObject({ orderId: 'once', callSid: 'CA-once', outcome: 'confirmed', status: 'FINISHED', attemptCount: 1, recordingUrl: 'https://rec.example.com/1.mp3' });
  });

  it('never retries a lead that was cancelled while its attempt ran', async () => {
    const leadId = await pushLead('cancelled-mid-call');
    const attempt = await dial(leadId);
    await db().updateTable('leads').set({ status: 'FINISHED', outcome: 'ABORT' }).where('id', '=', leadId).execute();
    const result = await finishAttempt(db(), { attemptId: attempt.id, facts: notAnswered });
    expect(result).toMatchObject({ leadStatus: 'FINISHED' });
    const lead = (await t.api('GET', `/leads/${leadId}`, { token: tokens.merchant })).json();
    expect(lead).toMatchObject({ status: 'FINISHED', outcome: 'ABORT' });
  });

  it('a deferral puts the lead back without spending an attempt or sending a webhook', async () => {
    const leadId = await pushLead('deferred');
    const attempt = await dial(leadId);
    const until = Date.now() + 300_000;
    await finishAttempt(db(), { attemptId: attempt.id, deferUntil: until });
    const lead = (await t.api('GET', `/leads/${leadId}`, { token: tokens.merchant })).json();
    expect(lead).toMatchObject({ status: 'BACKLOG', attempt_count: 0, outcome: null });
    expect(Date.parse(lead.next_attempt_at)).toBe(until);
    expect(await messages(leadId)).toHaveLength(0);
  });
});
