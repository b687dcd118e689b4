import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, issueTokens, sampleTemplate, startTestService, type TestService, type Tokens } from '../support/service.ts';

const lead = (extra: Record<string, unknown> = {}, payload: Record<string, unknown> = {}) => ({
  request_id: 'req_unique_001',
  template: 'reminder',
  reseller_id: 'res_1',
  merchant_id: 'mer_a',
  reporting_webhook_url: 'https://hooks.example.com/buddy',
  payload: { customer_mobile_number: '+14155551234', customer_name: 'Rahul', appointment_date: '2026-12-05', ...payload },
  ...extra,
});

describe.each(DIALECTS)('leads API (%s)', (dialect) => {
  let t: TestService;
  let tokens: Tokens;
  beforeAll(async () => {
    t = await startTestService(dialect);
    tokens = await issueTokens(t);
    const tpl = await t.api('POST', '/templates', { token: tokens.merchant, body: sampleTemplate('reminder') });
    expect(tpl.statusCode).toBe(201);
    const cfg = await t.api('POST', '/configurations', { token: tokens.reseller, body: { template_id: tpl.json().id, initial_offset: 120 } });
    expect(cfg.statusCode).toBe(201);
    await t.api('POST', '/templates', { token: tokens.merchant, body: { ...sampleTemplate('paused'), is_active: false } });
  });
  afterAll(() => t.close());

  it('pushes a lead into BACKLOG, due after the config initial_offset, and reads the full record back', async () => {
    const before = Date.now();
    const res = await t.api('POST', '/leads', { token: tokens.merchant, body: lead() });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ order_id: 'req_unique_001', status: 'BACKLOG' });
    expect(created.lead_id).toMatch(/^[0-9a-f-]{36}$/);
    const due = Date.parse(created.next_attempt_at);
    expect(due).toBeGreaterThanOrEqual(before + 120_000);
    expect(due).toBeLessThan(Date.now() + 121_000);

    const read = await t.api('GET', `/leads/${created.lead_id}`, { token: tokens.merchant });
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({
      lead_id: created.lead_id,
      order_id: 'req_unique_001',
      template: 'reminder',
      status: 'BACKLOG',
      outcome: null,
      attempt_count: 0,
      call_id: null,
      recording_url: null,
      execution_mode: 'TELEPHONY',
      reporting_webhook_url: 'https://hooks.example.com/buddy',
      metaData: { transcription: [], node_traversal: [], call_ended_by: null, errors: [], pre_check_results: [] },
      provider_status: null,
      provider_reason: null,
      provider_hangup_cause: null,
    });
    // The reference keeps the reporting URL inside the payload; we keep both.
    expect(read.json().payload.reporting_webhook_url).toBe('https://hooks.example.com/buddy');
  });

  it('requires customer_mobile_number in E.164 and names the field', async () => {
    const missing = await t.api('POST', '/leads', { token: tokens.merchant, body: lead({ payload: { customer_name: 'R' } }) });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().detail[0].loc).toEqual(['body', 'payload', 'customer_mobile_number']);
    const bad = await t.api('POST', '/leads', { token: tokens.merchant, body: lead({}, { customer_mobile_number: '9876543210' }) });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().detail[0].loc).toEqual(['body', 'payload', 'customer_mobile_number']);
    expect(bad.json().detail[0].msg).toContain('E.164');
  });

  it("validates the payload against the template's expected_payload_schema", async () => {
    const res = await t.api('POST', '/leads', { token: tokens.merchant, body: lead({ payload: { customer_mobile_number: '+14155551234', customer_name: 42 } }) });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail[0].loc).toEqual(['body', 'payload', 'customer_name']);
  });

  it('refuses an unknown or inactive template, and other body errors, with 422 naming the field', async () => {
    const unknown = await t.api('POST', '/leads', { token: tokens.merchant, body: lead({ template: 'nope' }) });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().detail[0].loc).toEqual(['body', 'template']);
    const inactive = await t.api('POST', '/leads', { token: tokens.merchant, body: lead({ template: 'paused' }) });
    expect(inactive.statusCode).toBe(422);
    expect(inactive.json().detail[0].msg).toContain('not active');
    const noRequestId = await t.api('POST', '/leads', { token: tokens.merchant, body: { ...lead(), request_id: undefined } });
    expect(noRequestId.statusCode).toBe(422);
    expect(noRequestId.json().detail[0].loc).toEqual(['body', 'request_id']);
    const badMode = await t.api('POST', '/leads', { token: tokens.merchant, body: lead({ execution_mode: 'CARRIER_PIGEON' }) });
    expect(badMode.statusCode).toBe(422);
    expect(badMode.json().detail[0].loc).toEqual(['body', 'execution_mode']);
  });

  it('replays the first response for a repeated Idempotency-Key and creates nothing', async () => {
    const headers = { 'idempotency-key': `idem-${dialect}-1` };
    const first = await t.api('POST', '/leads', { token: tokens.merchant, body: lead({ request_id: 'idem-1' }), headers });
    const second = await t.api('POST', '/leads', { token: tokens.merchant, body: lead({ request_id: 'idem-1' }), headers });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.json()).toEqual(first.json());
    expect(second.headers['idempotent-replayed']).toBe('true');
    const listed = (await t.api('GET', '/leads?request_id=idem-1', { token: tokens.merchant })).json();
    expect(listed.leads).toHaveLength(1);
    const different = await t.api('POST', '/leads', { token: tokens.merchant, body: lead({ request_id: 'idem-2' }), headers });
    expect(different.statusCode).toBe(409);
  });

  it('settles concurrent requests with one Idempotency-Key on a single lead', async () => {
    const headers = { 'idempotency-key': `idem-${dialect}-race` };
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => t.api('POST', '/leads', { token: tokens.merchant, body: lead({ request_id: 'race' }), headers })),
    );
    expect(new Set(responses.map((r) => r.json().lead_id)).size).toBe(1);
    expect(responses.every((r) => r.statusCode === 201)).toBe(true);
    expect((await t.api('GET', '/leads?request_id=race', { token: tokens.merchant })).json().leads).toHaveLength(1);
  });

  it('lists with filters and cursor pagination, only within scope', async () => {
    for (let i = 0; i < 5; i++) await t.api('POST', '/leads', { token: tokens.merchant, body: lead({ request_id: `page-${i}` }) });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.api('GET', `/leads?template=reminder&limit=2${cursor ? `&cursor=${cursor}` : ''}`, { token: tokens.merchant });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      seen.push(...body.leads.map((l: { lead_id: string }) => l.lead_id));
      cursor = body.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    const total = (await t.api('GET', '/leads?limit=200', { token: tokens.merchant })).json().leads.length;
    expect(seen.length).toBe(total);
    expect((await t.api('GET', '/leads?status=BACKLOG&request_id=page-3', { token: tokens.reseller })).json().leads).toHaveLength(1);
    expect((await t.api('GET', '/leads?status=FINISHED&request_id=page-3', { token: tokens.reseller })).json().leads).toHaveLength(0);
    expect((await t.api('GET', '/leads', { token: tokens.otherReseller })).json().leads).toHaveLength(0);
    const future = new Date(Date.now() + 3600_000).toISOString();
    expect((await t.api('GET', `/leads?created_after=${encodeURIComponent(future)}`, { token: tokens.merchant })).json().leads).toHaveLength(0);
    expect((await t.api('GET', '/leads?cursor=%%%', { token: tokens.merchant })).statusCode).toBe(400);
    expect((await t.api('GET', '/leads?status=SOMETHING', { token: tokens.merchant })).statusCode).toBe(422);
  });

  it('scopes leads: 404 to other tenants on read, 403 on write, users read-only', async () => {
    const created = (await t.api('POST', '/leads', { token: tokens.merchant, body: lead({ request_id: 'scoped' }) })).json();
    expect((await t.api('GET', `/leads/${created.lead_id}`, { token: tokens.otherMerchant })).statusCode).toBe(404);
    expect((await t.api('POST', `/leads/${created.lead_id}/cancel`, { token: tokens.otherReseller })).statusCode).toBe(403);
    expect((await t.api('GET', `/leads/${created.lead_id}`, { token: tokens.user })).statusCode).toBe(200);
    expect((await t.api('POST', `/leads/${created.lead_id}/cancel`, { token: tokens.user })).statusCode).toBe(403);
    expect((await t.api('POST', '/leads', { token: tokens.user, body: lead() })).statusCode).toBe(403);
    expect((await t.api('POST', '/leads', { token: tokens.otherMerchant, body: lead() })).statusCode).toBe(403);
    expect((await t.api('GET', '/leads/00000000-0000-0000-0000-000000000000', { token: tokens.admin })).statusCode).toBe(404);
  });

  it('cancels a BACKLOG lead (FINISHED, ABORT) and refuses a second cancel with 409', async () => {
    const created = (await t.api('POST', '/leads', { token: tokens.merchant, body: lead({ request_id: 'cancel-me' }) })).json();
    const res = await t.api('POST', `/leads/${created.lead_id}/cancel`, { token: tokens.merchant });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'FINISHED', outcome: 'ABORT', platform_status: 'NOT_INITIATED', next_attempt_at: null });
    expect(res.json().finished_at).toBeTruthy();
    expect((await t.api('POST', `/leads/${created.lead_id}/cancel`, { token: tokens.merchant })).statusCode).toBe(409);
    expect((await t.api('POST', '/leads/00000000-0000-0000-0000-000000000000/cancel', { token: tokens.merchant })).statusCode).toBe(404);
  });

  it('dispatch-now makes a BACKLOG lead due at once; FINISHED is 400', async () => {
    const created = (await t.api('POST', '/leads', { token: tokens.merchant, body: lead({ request_id: 'now' }) })).json();
    const before = Date.now();
    const res = await t.api('POST', `/leads/${created.lead_id}/dispatch-now`, { token: tokens.reseller });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'queued', expected_dispatch_within_ms: 200 });
    const read = (await t.api('GET', `/leads/${created.lead_id}`, { token: tokens.reseller })).json();
    expect(Date.parse(read.next_attempt_at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(read.next_attempt_at)).toBeLessThanOrEqual(Date.now());
    await t.api('POST', `/leads/${created.lead_id}/cancel`, { token: tokens.reseller });
    expect((await t.api('POST', `/leads/${created.lead_id}/dispatch-now`, { token: tokens.reseller })).statusCode).toBe(400);
    expect((await t.api('POST', '/leads/00000000-0000-0000-0000-000000000000/dispatch-now', { token: tokens.reseller })).statusCode).toBe(404);
  });
});
