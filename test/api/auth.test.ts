import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, DIALECTS, issueTokens, startTestService, type TestService, type Tokens } from '../support/service.ts';

describe.each(DIALECTS)('auth and tokens (%s)', (dialect) => {
  let t: TestService;
  let tokens: Tokens;
  beforeAll(async () => {
    t = await startTestService(dialect);
    tokens = await issueTokens(t);
  });
  afterAll(() => t.close());

  it('logs in with email and password and returns a bearer token and the user', async () => {
    const res = await t.api('POST', '/login', { body: ADMIN });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.token_type).toBe('bearer');
    expect(body.access_token).toMatch(/^ey/);
    expect(body.user).toMatchObject({ email: ADMIN.email, role: 'admin', reseller_id: null });
    expect(JSON.stringify(body)).not.toContain('password');
  });

  it('refuses a wrong password or unknown email with 422, and a missing field names it', async () => {
    const wrong = await t.api('POST', '/login', { body: { ...ADMIN, password: 'nope-nope-nope' } });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().detail).toBe('Incorrect email or password');
    const unknown = await t.api('POST', '/login', { body: { email: 'ghost@example.com', password: 'whatever1' } });
    expect(unknown.statusCode).toBe(422);
    const missing = await t.api('POST', '/login', { body: { email: ADMIN.email } });
    expect(missing.statusCode).toBe(422);
    expect(missing.json().detail[0].loc).toEqual(['body', 'password']);
  });

  it('requires a bearer token on every API route, and rejects forged ones', async () => {
    expect((await t.api('GET', '/templates')).statusCode).toBe(401);
    expect((await t.api('GET', '/leads', { token: 'not-a-jwt' })).statusCode).toBe(401);
    const forged = tokens.admin.slice(0, -4) + 'AAAA';
    expect((await t.api('GET', '/leads', { token: forged })).statusCode).toBe(401);
  });

  it('lets admins and resellers mint S2S tokens within their scope only', async () => {
    const own = await t.api('POST', '/s2s-token', { token: tokens.reseller, body: { name: 'backend', role: 'merchant', merchant_id: 'mer_a' } });
    expect(own.statusCode).toBe(201);
    expect(own.json()).toMatchObject({ role: 'merchant', reseller_id: 'res_1', merchant_id: 'mer_a' });
    const other = await t.api('POST', '/s2s-token', { token: tokens.reseller, body: { name: 'x', role: 'merchant', reseller_id: 'res_2', merchant_id: 'mer_b' } });
    expect(other.statusCode).toBe(403);
    const escalate = await t.api('POST', '/s2s-token', { token: tokens.reseller, body: { name: 'x', role: 'admin' } });
    expect(escalate.statusCode).toBe(403);
    const byMerchant = await t.api('POST', '/s2s-token', { token: tokens.merchant, body: { name: 'x', role: 'user' } });
    expect(byMerchant.statusCode).toBe(403);
    const merchantWithoutId = await t.api('POST', '/s2s-token', { token: tokens.admin, body: { name: 'x', role: 'merchant', reseller_id: 'res_1' } });
    expect(merchantWithoutId.statusCode).toBe(422);
  });

  it('revokes an S2S token so that it stops working at once', async () => {
    const minted = await t.api('POST', '/s2s-token', { token: tokens.admin, body: { name: 'cron', role: 'reseller', reseller_id: 'res_1' } });
    const { id, access_token } = minted.json();
    expect((await t.api('GET', '/templates', { token: access_token })).statusCode).toBe(200);
    const listed = await t.api('GET', '/s2s-tokens', { token: tokens.reseller });
    expect(listed.json().tokens.map((x: { id: string }) => x.id)).toContain(id);
    expect(JSON.stringify(listed.json())).not.toContain(access_token);
    expect((await t.api('DELETE', `/s2s-token/${id}`, { token: tokens.otherReseller })).statusCode).toBe(403);
    expect((await t.api('DELETE', `/s2s-token/${id}`, { token: tokens.reseller })).statusCode).toBe(204);
    expect((await t.api('GET', '/templates', { token: access_token })).statusCode).toBe(401);
    expect((await t.api('DELETE', '/s2s-token/00000000-0000-0000-0000-000000000000', { token: tokens.admin })).statusCode).toBe(404);
  });

  it('creates users who can log in with their role and scope', async () => {
    const created = await t.api('POST', '/users', {
      token: tokens.reseller,
      body: { email: 'Analyst@Example.com', password: 'analyst-password', role: 'user', merchant_id: 'mer_a' },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ email: 'analyst@example.com', role: 'user', reseller_id: 'res_1', merchant_id: 'mer_a' });
    expect(created.json()).not.toHaveProperty('password_hash');
    const dup = await t.api('POST', '/users', { token: tokens.admin, body: { email: 'analyst@example.com', password: 'analyst-password', role: 'user', reseller_id: 'res_1' } });
    expect(dup.statusCode).toBe(409);
    const login = await t.api('POST', '/login', { body: { email: 'analyst@example.com', password: 'analyst-password' } });
    expect(login.statusCode).toBe(200);
    expect(login.json().user.role).toBe('user');
    const userToken = login.json().access_token;
    expect((await t.api('GET', '/leads', { token: userToken })).statusCode).toBe(200);
    expect((await t.api('POST', '/templates', { token: userToken, body: { name: 'x', flow: {} } })).statusCode).toBe(403);
    const otherList = await t.api('GET', '/users', { token: tokens.otherReseller });
    expect(otherList.json().users.map((u: { email: string }) => u.email)).not.toContain('analyst@example.com');
  });
});

describe('operational endpoints', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService('sqlite');
  });
  afterAll(() => t.close());

  it('reports health after checking the database', async () => {
    const res = await t.api('GET', '//health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('serves Prometheus metrics including the lead backlog', async () => {
    await t.api('GET', '//health');
    const res = await t.api('GET', '//metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('breeze_buddy_lead_backlog 0');
    expect(res.body).toContain('http_request_duration_seconds_bucket');
  });

  it('serves an OpenAPI document listing every API route', async () => {
    const res = await t.api('GET', '//openapi.json');
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    for (const p of ['/login', '/s2s-token', '/templates', '/templates/{id}', '/leads', '/leads/{id}', '/leads/{id}/cancel', '/leads/{id}/dispatch-now', '/configurations', '/numbers', '/merchants', '/blacklist', '/credentials']) {
      expect(paths).toContain(`/agent/voice/breeze-buddy${p}`);
    }
  });
});
