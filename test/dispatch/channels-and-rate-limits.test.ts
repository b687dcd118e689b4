import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import { finishAttempt } from '../../src/calls/attempts.ts';
import { startHarness, type Harness } from './harness.ts';

const completed = { provider_status: 'ANSWERED' as const, provider_reason: 'COMPLETED' as const, session_end_reason: 'AGENT_ENDED' as const, agent_outcome: 'confirmed' };

describe.each(DIALECTS)('number channels (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
  });
  afterAll(() => h.close());

  it('a number carries at most maximum_channels calls; the channel frees when the attempt finishes', async () => {
    const numberId = await h.number('+14155550100', { maximum_channels: 1 });
    await h.template('one-line');
    const leads = [await h.pushLead('one-line', '+14155553001'), await h.pushLead('one-line', '+14155553002')];
    await h.run();
    // Both were due in one batch; whichever took the channel first is dialled, the other waits.
    expect(h.twilio.calls).toHaveLength(1);
    const first = h.twilio.calls[0]!.to === '+14155553001' ? leads[0]! : leads[1]!;
    const second = first === leads[0] ? leads[1]! : leads[0]!;
    const waiting = await h.lead(second);
    expect(waiting).toMatchObject({ status: 'BACKLOG', attempt_count: 0 });
    const wait = Date.parse(waiting.next_attempt_at as string) - Date.now();
    expect(wait).toBeGreaterThan(1_000);
    expect(wait).toBeLessThanOrEqual(5_000);

    const [attempt] = await h.attempts(first);
    await finishAttempt(h.db(), { attemptId: attempt!.id, facts: completed });
    await h.db().updateTable('leads').set({ next_attempt_at: Date.now() }).where('id', '=', second).execute();
    await h.run();
    expect(h.twilio.calls.map((c) => c.to).sort()).toEqual(['+14155553001', '+14155553002']);
    expect((await h.attempts(second))[0]).toMatchObject({ number_id: numberId });
  });

  it('concurrent leads spread over the numbers with free channels, never over the limit', async () => {
    await h.number('+14155550101', { maximum_channels: 2 });
    await h.template('spread');
    const leads = await Promise.all(['+14155553011', '+14155553012', '+14155553013', '+14155553014'].map((p) => h.pushLead('spread', p)));
    await h.run();
    const open = await h.db().selectFrom('call_attempts').select(['number_id']).where('finished_at', 'is', null).execute();
    const perNumber = new Map<string, number>();
    for (const a of open) perNumber.set(a.number_id!, (perNumber.get(a.number_id!) ?? 0) + 1);
    // +…100 has 1 channel (busy with the previous test's second lead), +…101 has 2.
    expect([...perNumber.values()].sort()).toEqual([1, 2]);
    const statuses = await Promise.all(leads.map(async (id) => (await h.lead(id)).status));
    expect(statuses.filter((s) => s === 'PROCESSING')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'BACKLOG')).toHaveLength(2);
  });

  it('a DISABLED number is not used', async () => {
    const res = await h.t.api('GET', '/numbers', { token: h.tokens.reseller });
    for (const n of res.json().numbers) await h.t.api('PUT', `/numbers/${n.id}`, { token: h.tokens.reseller, body: { status: 'DISABLED' } });
    await h.template('disabled');
    const leadId = await h.pushLead('disabled', '+14155553021');
    await h.run();
    expect(await h.lead(leadId)).toMatchObject({ status: 'FINISHED', outcome: 'NUMBER_UNAVAILABLE' });
  });
});

describe.each(DIALECTS)('per-destination rate limit (%s)', (dialect) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(dialect);
    await h.number('+14155550100', { maximum_channels: 100 });
  });
  afterAll(() => h.close());

  const callsTo = (phone: string) => h.twilio.calls.filter((c) => c.to === phone);

  it('deployment-wide limit, alert-only by default: over the limit the call still goes ahead', async () => {
    h.flagEnv.OUTBOUND_RATE_LIMIT_MAX_CALLS = '1';
    await h.template('global');
    await h.pushLead('global', '+14155554001');
    await h.run();
    await h.pushLead('global', '+14155554001');
    await h.run();
    expect(callsTo('+14155554001')).toHaveLength(2);
  });

  it('deployment-wide blocking: the lead waits until the oldest call leaves the window', async () => {
    h.flagEnv.OUTBOUND_RATE_LIMIT_BLOCK_ENABLED = 'true';
    h.flagEnv.OUTBOUND_RATE_LIMIT_WINDOW_SECONDS = '600';
    await h.pushLead('global', '+14155554002');
    await h.run();
    const blocked = await h.pushLead('global', '+14155554002');
    await h.run();
    expect(callsTo('+14155554002')).toHaveLength(1);
    const [first] = await h.db().selectFrom('call_attempts').select('created_at').where('to_number', '=', '+14155554002').execute();
    const lead = await h.lead(blocked);
    expect(lead).toMatchObject({ status: 'BACKLOG', attempt_count: 0 });
    expect(Date.parse(lead.next_attempt_at as string)).toBe(first!.created_at + 600_000);
  });

  it('a template with rate_limit_enabled uses its own limit instead of the deployment’s', async () => {
    await h.template('own-limit', { rate_limit_enabled: true, rate_limit_max_calls: 2, rate_limit_window_seconds: 60, rate_limit_block_enabled: true });
    for (let i = 0; i < 3; i++) {
      await h.pushLead('own-limit', '+14155554003');
      await h.run();
    }
    expect(callsTo('+14155554003')).toHaveLength(2);
    const waiting = await h.db().selectFrom('leads').select('next_attempt_at').where('status', '=', 'BACKLOG').where('template_name', '=', 'own-limit').execute();
    expect(waiting).toHaveLength(1);
    expect(waiting[0]!.next_attempt_at! - Date.now()).toBeLessThanOrEqual(60_000);
  });

  it('leads to one destination started together count each other against a blocking limit', async () => {
    await h.template('together', { rate_limit_enabled: true, rate_limit_max_calls: 2, rate_limit_window_seconds: 60, rate_limit_block_enabled: true });
    const leads = await Promise.all([1, 2, 3].map(() => h.pushLead('together', '+14155554005')));
    await h.run();
    expect(callsTo('+14155554005')).toHaveLength(2);
    const statuses = await Promise.all(leads.map(async (id) => (await h.lead(id)).status));
    expect(statuses.sort()).toEqual(['BACKLOG', 'PROCESSING', 'PROCESSING']);
  });

  it('refusals do not count as calls placed', async () => {
    Object.assign(h.flagEnv, { OUTBOUND_RATE_LIMIT_MAX_CALLS: '1', OUTBOUND_RATE_LIMIT_BLOCK_ENABLED: 'true' });
    await h.t.api('POST', '/blacklist', { token: h.tokens.reseller, body: { phone_numbers: ['+14155554004'] } });
    await h.pushLead('global', '+14155554004');
    await h.run();
    await h.t.api('DELETE', '/blacklist', { token: h.tokens.reseller, body: { phone_numbers: ['+14155554004'] } });
    await h.pushLead('global', '+14155554004');
    await h.run();
    expect(callsTo('+14155554004')).toHaveLength(1);
  });
});
