import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import { startReceiver, type LocalReceiver, type ReceivedRequest } from '../delivery/local-receiver.ts';
import { startHarness, type Harness } from './harness.ts';

/** The customer's DND service: answers by the path it is asked on. */
function answer(req: ReceivedRequest): { status: number; body: unknown; delayMs?: number } {
  const path = req.url.split('?')[0];
  if (path === '/dnd/clear') return { status: 200, body: { blocked: false } };
  if (path === '/dnd/blocked') return { status: 200, body: { blocked: true } };
  if (path === '/dnd/nested') return { status: 200, body: { data: { is_dnd: 'false' } } };
  if (path === '/dnd/cooldown') return { status: 200, body: { state: 'cooldown' } };
  if (path === '/dnd/slow') return { status: 200, body: { blocked: false }, delayMs: 1_500 };
  return { status: 500, body: { error: 'down' } };
}

const check = (name: string, path: string, extra: Record<string, unknown> = {}, response: Record<string, unknown> = {}) => ({
  type: 'external_api',
  name,
  http_request: { url: `{dnd_base}${path}`, max_retries: 1, timeout: 1 },
  response_config: { response_field: 'blocked', response_field_value: false, ...response },
  ...extra,
});

describe.each(DIALECTS)('pre-checks (%s)', (dialect) => {
  let h: Harness;
  let dnd: LocalReceiver;
  let credentialId: string;
  beforeAll(async () => {
    dnd = await startReceiver((req, res) => {
      const { status, body, delayMs } = answer(req);
      setTimeout(() => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)), delayMs ?? 0);
    });
    h = await startHarness(dialect);
    await h.number('+14155550100', { maximum_channels: 100 });
    const cred = await h.t.api('POST', '/credentials', { token: h.tokens.merchant, body: { name: 'dnd', secrets: { api_key: 'cred-key-9f8e7d', dnd_base: dnd.url } } });
    credentialId = cred.json().id;
  });
  afterAll(async () => {
    await h.close();
    await dnd.close();
  });

  const pushWithChecks = async (name: string, checks: unknown[], phone: string) => {
    await h.template(name, { pre_checks: checks });
    const leadId = await h.pushLead(name, phone);
    await h.run();
    return { leadId, lead: await h.lead(leadId), asked: dnd.requests.filter((r) => r.url.includes(encodeURIComponent(phone)) || r.body.includes(phone)) };
  };

  it('proceeds on a match, with placeholders from the credential, the template secrets and the payload', async () => {
    const dndCheck = check('DND Check', '/dnd/clear', {
      credential_id: credentialId,
      http_request: {
        url: '{dnd_base}/dnd/clear',
        method: 'POST',
        headers: { 'X-Api-Key': '{api_key}' },
        query_params: { phone: '{customer_mobile_number}' },
        body: { phone_number: '{customer_mobile_number}', order_id: '{request_id}' },
        auth: { type: 'bearer', token: '{crm_token}' },
        max_retries: 1,
        timeout: 2,
      },
    });
    const { leadId, lead, asked } = await pushWithChecks('dnd-clear', [dndCheck], '+14155555001');
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ method: 'POST', url: '/dnd/clear?phone=%2B14155555001' });
    expect(asked[0]!.headers).toMatchObject({ 'x-api-key': 'cred-key-9f8e7d', authorization: 'Bearer sk-live-very-secret', 'content-type': 'application/json' });
    expect(JSON.parse(asked[0]!.body)).toEqual({ phone_number: '+14155555001', order_id: 'req-dnd-clear' });
    expect(lead.status).toBe('PROCESSING');
    const results = (lead.metaData as { pre_check_results: unknown[] }).pre_check_results;
    expect(results).toEqual([expect.objectContaining({ name: 'DND Check', decision: 'proceed', response_value: false, status_code: 200, tries: 1 })]);
    expect(JSON.stringify(lead)).not.toContain('cred-key-9f8e7d');
    expect((await h.attempts(leadId))[0]!.call_id).not.toBeNull();
  });

  it('a response that does not match refuses the lead PRECHECK_FAILED with the reference reason', async () => {
    const { leadId, lead } = await pushWithChecks('dnd-blocked', [{ ...check('DND Check', '/dnd/blocked'), credential_id: credentialId }], '+14155555002');
    expect(lead).toMatchObject({ status: 'FINISHED', outcome: 'PRECHECK_FAILED', platform_status: 'NOT_INITIATED' });
    expect((lead.metaData as { pre_check_results: unknown[] }).pre_check_results).toEqual([
      expect.objectContaining({ name: 'DND Check', decision: 'skip', reason: 'DND Check returned blocked=true', response_value: true }),
    ]);
    expect(h.twilio.posts.filter((p) => p.to === '+14155555002')).toHaveLength(0);
    const [message] = await h.db().selectFrom('webhook_messages').select('body').where('lead_id', '=', leadId).execute();
    expect(JSON.parse(message!.body)).toMatchObject({ outcome: 'PRECHECK_FAILED', failureReason: 'DND Check returned blocked=true' });
  });

  it('follows a dotted response_field path, and compares scalars by their text', async () => {
    const nested = { ...check('Nested', '/dnd/nested', {}, { response_field: 'data.is_dnd', response_field_value: false }), credential_id: credentialId };
    expect((await pushWithChecks('dnd-nested', [nested], '+14155555003')).lead.status).toBe('PROCESSING');
  });

  it('defer_on_value puts the lead back for defer_seconds without spending an attempt', async () => {
    const cooldown = { ...check('Quota', '/dnd/cooldown', {}, { response_field: 'state', response_field_value: 'ok', defer_on_value: 'cooldown', defer_seconds: 120 }), credential_id: credentialId };
    const { leadId, lead } = await pushWithChecks('dnd-cooldown', [cooldown], '+14155555004');
    expect(lead).toMatchObject({ status: 'BACKLOG', attempt_count: 0, outcome: null });
    const wait = Date.parse(lead.next_attempt_at as string) - Date.now();
    expect(wait).toBeGreaterThan(110_000);
    expect(wait).toBeLessThanOrEqual(120_000);
    expect(await h.attempts(leadId)).toHaveLength(0);
  });

  it('a failing API is tried 1 + max_retries times, then default_on_failure decides', async () => {
    const before = dnd.requests.length;
    const open = { ...check('Open', '/dnd/down'), credential_id: credentialId };
    expect((await pushWithChecks('fail-open', [open], '+14155555005')).lead.status).toBe('PROCESSING');
    expect(dnd.requests.length - before).toBe(2);
    const closed = { ...check('Closed', '/dnd/down', { default_on_failure: 'skip' }), credential_id: credentialId };
    const { lead } = await pushWithChecks('fail-closed', [closed], '+14155555006');
    expect(lead).toMatchObject({ status: 'FINISHED', outcome: 'PRECHECK_FAILED' });
    expect((lead.metaData as { pre_check_results: { reason: string }[] }).pre_check_results[0]!.reason).toBe('Closed failed (HTTP 500)');
  });

  it('a check that times out counts as a failure; the lease outlasts the slowest possible checks', async () => {
    const slow = { ...check('Slow', '/dnd/slow', { default_on_failure: 'skip' }), credential_id: credentialId };
    await h.template('slow', { pre_checks: [slow] });
    const leadId = await h.pushLead('slow', '+14155555007');
    const claimedAt = Date.now();
    const running = h.run();
    await new Promise((r) => setTimeout(r, 300));
    const { lease_expires_at } = await h.db().selectFrom('leads').select('lease_expires_at').where('id', '=', leadId).executeTakeFirstOrThrow();
    // 30 s lease (harness) + 2 tries × 1 s timeout + 250 ms between them.
    expect(lease_expires_at! - claimedAt).toBeGreaterThanOrEqual(32_000);
    await running;
    const lead = await h.lead(leadId);
    expect(lead).toMatchObject({ status: 'FINISHED', outcome: 'PRECHECK_FAILED' });
    expect((lead.metaData as { pre_check_results: { reason: string }[] }).pre_check_results[0]!.reason).toMatch(/timeout/);
  });

  it('every enabled check must pass; a disabled one is not run', async () => {
    const checks = [
      { ...check('Off', '/dnd/blocked', { enabled: false }), credential_id: credentialId },
      { ...check('First', '/dnd/clear'), credential_id: credentialId },
      { ...check('Second', '/dnd/blocked'), credential_id: credentialId },
    ];
    const { lead } = await pushWithChecks('all-and', checks, '+14155555008');
    expect(lead).toMatchObject({ status: 'FINISHED', outcome: 'PRECHECK_FAILED' });
    const results = (lead.metaData as { pre_check_results: { name: string; decision: string }[] }).pre_check_results;
    expect(results.map((r) => [r.name, r.decision])).toEqual([
      ['First', 'proceed'],
      ['Second', 'skip'],
    ]);
  });

  it('never sends a request to a private address, another tenant’s credential, or an unresolved placeholder', async () => {
    const other = await h.t.api('POST', '/credentials', { token: h.tokens.otherMerchant, body: { name: 'theirs', secrets: { dnd_base: dnd.url } } });
    const cases = [
      { ...check('Metadata', '', { default_on_failure: 'skip', http_request: { url: 'http://169.254.169.254/latest', max_retries: 3, timeout: 1 } }) },
      { ...check('Foreign', '/dnd/clear', { default_on_failure: 'skip' }), credential_id: other.json().id },
      { ...check('Unresolved', '/dnd/clear', { default_on_failure: 'skip' }) },
    ];
    const before = dnd.requests.length;
    for (const [i, c] of cases.entries()) {
      const { lead } = await pushWithChecks(`refused-${i}`, [c], `+1415555501${i}`);
      expect(lead).toMatchObject({ status: 'FINISHED', outcome: 'PRECHECK_FAILED' });
      const [result] = (lead.metaData as { pre_check_results: { reason: string; tries: number }[] }).pre_check_results;
      expect(result!.tries).toBeLessThanOrEqual(1);
      expect(result!.reason).toMatch([/refusing to connect to 169\.254\.169\.254/, /credential .* not found/, /unresolved placeholder\(s\): dnd_base/][i]!);
    }
    expect(dnd.requests.length).toBe(before);
  });
});
