import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, issueTokens, sampleTemplate, startTestService, type TestService, type Tokens } from '../support/service.ts';

describe.each(DIALECTS)('configurations, numbers, merchants, blacklist, credentials (%s)', (dialect) => {
  let t: TestService;
  let tokens: Tokens;
  let templateId: string;
  beforeAll(async () => {
    t = await startTestService(dialect);
    tokens = await issueTokens(t);
    templateId = (await t.api('POST', '/templates', { token: tokens.merchant, body: sampleTemplate('cfg') })).json().id;
  });
  afterAll(() => t.close());

  describe('call execution configuration', () => {
    let configId: string;
    it('creates one per template with defaults filled in; a second is 409', async () => {
      const res = await t.api('POST', '/configurations', {
        token: tokens.reseller,
        body: { template_id: templateId, max_retry: 2, retry_offset: 600, call_start_time: '22:00', call_end_time: '06:00', timezone: 'America/New_York', calling_provider: 'plivo' },
      });
      expect(res.statusCode).toBe(201);
      configId = res.json().id;
      expect(res.json()).toMatchObject({
        template_id: templateId,
        reseller_id: 'res_1',
        merchant_id: 'mer_a',
        max_retry: 2,
        retry_offset: 600,
        initial_offset: 0,
        call_start_time: '22:00',
        timezone: 'America/New_York',
        calling_provider: 'PLIVO',
        enable_calling: true,
        enforce_blacklist: true,
        pre_checks: [],
        inbound_block_action: 'REJECT',
      });
      expect((await t.api('POST', '/configurations', { token: tokens.reseller, body: { template_id: templateId } })).statusCode).toBe(409);
    });

    it('validates each field, naming it', async () => {
      const other = (await t.api('POST', '/templates', { token: tokens.merchant, body: sampleTemplate('cfg-bad') })).json().id;
      const res = await t.api('POST', '/configurations', {
        token: tokens.reseller,
        body: {
          template_id: other,
          call_start_time: '25:00',
          timezone: 'Mars/Olympus',
          calling_provider: 'VONAGE',
          inbound_block_action: 'REDIRECT',
          pre_checks: [{ type: 'external_api', name: 'DND', http_request: { url: 'https://dnd.example.com/{customer_mobile_number}', timeout: 99 }, response_config: { response_field: 'blocked', response_field_value: false } }],
        },
      });
      expect(res.statusCode).toBe(422);
      const locs = res.json().detail.map((d: { loc: unknown[] }) => d.loc.join('.'));
      expect(locs).toEqual(
        expect.arrayContaining(['body.call_start_time', 'body.timezone', 'body.calling_provider', 'body.pre_checks.0.http_request.timeout']),
      );
      const redirect = await t.api('POST', '/configurations', { token: tokens.reseller, body: { template_id: other, inbound_block_action: 'REDIRECT' } });
      expect(redirect.json().detail.map((d: { loc: unknown[] }) => d.loc.join('.'))).toContain('body.inbound_redirect_number');
      expect((await t.api('POST', '/configurations', { token: tokens.reseller, body: { template_id: 'nope' } })).statusCode).toBe(422);
    });

    it('lets merchants read but not write; other resellers see nothing; users have no access', async () => {
      expect((await t.api('GET', `/configurations/${configId}`, { token: tokens.merchant })).statusCode).toBe(200);
      expect((await t.api('PUT', `/configurations/${configId}`, { token: tokens.merchant, body: { max_retry: 5 } })).statusCode).toBe(403);
      expect((await t.api('GET', `/configurations/${configId}`, { token: tokens.otherReseller })).statusCode).toBe(404);
      expect((await t.api('PUT', `/configurations/${configId}`, { token: tokens.otherReseller, body: { max_retry: 5 } })).statusCode).toBe(403);
      expect((await t.api('GET', '/configurations', { token: tokens.user })).statusCode).toBe(403);
      expect((await t.api('GET', '/configurations', { token: tokens.otherReseller })).json().configurations).toHaveLength(0);
    });

    it('updates some fields and revalidates the whole', async () => {
      const res = await t.api('PUT', `/configurations/${configId}`, { token: tokens.reseller, body: { max_retry: 5, enable_calling: false } });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ max_retry: 5, enable_calling: false, retry_offset: 600, calling_provider: 'PLIVO' });
      expect((await t.api('PUT', `/configurations/${configId}`, { token: tokens.reseller, body: { max_retry: -1 } })).statusCode).toBe(422);
      expect((await t.api('GET', `/configurations/${configId}`, { token: tokens.reseller })).json().max_retry).toBe(5);
    });
  });

  describe('numbers', () => {
    it('registers a number, refuses a duplicate with 409 and a bad phone with 422', async () => {
      const body = { phone_number: '+14155550100', provider: 'twilio', status: 'AVAILABLE', channel: 'voice' };
      const res = await t.api('POST', '/numbers', { token: tokens.reseller, body });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ phone_number: '+14155550100', provider: 'TWILIO', maximum_channels: 1, reseller_id: 'res_1' });
      expect((await t.api('POST', '/numbers', { token: tokens.otherReseller, body })).statusCode).toBe(409);
      const bad = await t.api('POST', '/numbers', { token: tokens.reseller, body: { ...body, phone_number: '0415' } });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().detail[0].loc).toEqual(['body', 'phone_number']);
    });

    it('updates, lists in scope, refuses merchants, and deletes', async () => {
      const id = (await t.api('POST', '/numbers', { token: tokens.reseller, body: { phone_number: '+14155550101', provider: 'PLIVO' } })).json().id;
      const upd = await t.api('PUT', `/numbers/${id}`, { token: tokens.reseller, body: { maximum_channels: 10, status: 'DISABLED' } });
      expect(upd.json()).toMatchObject({ maximum_channels: 10, status: 'DISABLED' });
      expect((await t.api('GET', '/numbers', { token: tokens.merchant })).statusCode).toBe(403);
      expect((await t.api('GET', '/numbers', { token: tokens.otherReseller })).json().numbers).toHaveLength(0);
      expect((await t.api('PUT', `/numbers/${id}`, { token: tokens.otherReseller, body: { status: 'AVAILABLE' } })).statusCode).toBe(403);
      expect((await t.api('GET', `/numbers/${id}`, { token: tokens.otherReseller })).statusCode).toBe(404);
      expect((await t.api('DELETE', `/numbers/${id}`, { token: tokens.reseller })).statusCode).toBe(204);
      expect((await t.api('GET', `/numbers/${id}`, { token: tokens.reseller })).statusCode).toBe(404);
    });
  });

  describe('merchants', () => {
    it('creates with a chosen id, scopes to the reseller, updates and deletes', async () => {
      const res = await t.api('POST', '/merchants', { token: tokens.reseller, body: { id: 'mer_acme', name: 'Acme Corp', contact_email: 'ops@acme.com' } });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ id: 'mer_acme', reseller_id: 'res_1', name: 'Acme Corp' });
      expect((await t.api('POST', '/merchants', { token: tokens.reseller, body: { id: 'mer_acme', name: 'Again' } })).statusCode).toBe(409);
      expect((await t.api('POST', '/merchants', { token: tokens.reseller, body: { name: 'X', reseller_id: 'res_2' } })).statusCode).toBe(403);
      expect((await t.api('POST', '/merchants', { token: tokens.admin, body: { name: 'X' } })).statusCode).toBe(422);
      expect((await t.api('GET', '/merchants/mer_acme', { token: tokens.otherReseller })).statusCode).toBe(404);
      expect((await t.api('GET', '/merchants', { token: tokens.merchant })).statusCode).toBe(403);
      const upd = await t.api('PUT', '/merchants/mer_acme', { token: tokens.reseller, body: { name: 'Acme Ltd' } });
      expect(upd.json()).toMatchObject({ name: 'Acme Ltd', contact_email: 'ops@acme.com' });
      expect((await t.api('GET', '/merchants', { token: tokens.reseller })).json().merchants.map((m: { id: string }) => m.id)).toContain('mer_acme');
      expect((await t.api('DELETE', '/merchants/mer_acme', { token: tokens.otherReseller })).statusCode).toBe(403);
      expect((await t.api('DELETE', '/merchants/mer_acme', { token: tokens.reseller })).statusCode).toBe(204);
    });
  });

  describe('blacklist', () => {
    it('adds, lists and removes numbers per reseller', async () => {
      const add = await t.api('POST', '/blacklist', { token: tokens.reseller, body: { phone_numbers: ['+919876543210', '+14155559999', '+14155559999'] } });
      expect(add.statusCode).toBe(201);
      const again = await t.api('POST', '/blacklist', { token: tokens.reseller, body: { phone_numbers: ['+919876543210'] } });
      expect(again.statusCode).toBe(201);
      const listed = (await t.api('GET', '/blacklist', { token: tokens.merchant })).json().entries.map((e: { phone_number: string }) => e.phone_number);
      expect(listed.sort()).toEqual(['+14155559999', '+919876543210']);
      expect((await t.api('GET', '/blacklist', { token: tokens.otherReseller })).json().entries).toHaveLength(0);
      expect((await t.api('POST', '/blacklist', { token: tokens.merchant, body: { phone_numbers: ['+14155550000'] } })).statusCode).toBe(403);
      const bad = await t.api('POST', '/blacklist', { token: tokens.reseller, body: { phone_numbers: ['12345'] } });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().detail[0].loc).toEqual(['body', 'phone_numbers', 0]);
      const removed = await t.api('DELETE', '/blacklist', { token: tokens.reseller, body: { phone_numbers: ['+14155559999'] } });
      expect(removed.json()).toMatchObject({ removed: 1 });
      expect((await t.api('GET', '/blacklist', { token: tokens.reseller })).json().entries).toHaveLength(1);
    });
  });

  describe('credentials', () => {
    it('stores secrets write-only: GET shows key names, never values', async () => {
      const res = await t.api('POST', '/credentials', { token: tokens.merchant, body: { name: 'dnd-api', secrets: { api_key: 'dnd-secret-123', auth_key: 'zzz-999' } } });
      expect(res.statusCode).toBe(201);
      expect(res.json()).toMatchObject({ name: 'dnd-api', merchant_id: 'mer_a', secret_names: ['api_key', 'auth_key'] });
      const id = res.json().id;
      for (const path of [`/credentials/${id}`, '/credentials']) {
        const read = await t.api('GET', path, { token: tokens.merchant });
        expect(read.statusCode).toBe(200);
        expect(read.body).not.toContain('dnd-secret-123');
      }
      const upd = await t.api('PUT', `/credentials/${id}`, { token: tokens.merchant, body: { secrets: { api_key: 'rotated-456' } } });
      expect(upd.json().secret_names).toEqual(['api_key']);
      expect(upd.body).not.toContain('rotated-456');
      expect((await t.api('GET', `/credentials/${id}`, { token: tokens.otherMerchant })).statusCode).toBe(404);
      expect((await t.api('DELETE', `/credentials/${id}`, { token: tokens.otherMerchant })).statusCode).toBe(403);
      expect((await t.api('GET', '/credentials', { token: tokens.user })).statusCode).toBe(403);
      expect((await t.api('DELETE', `/credentials/${id}`, { token: tokens.merchant })).statusCode).toBe(204);
    });
  });
});
