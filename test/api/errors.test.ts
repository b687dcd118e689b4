import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueTokens, startTestService, type TestService, type Tokens } from '../support/service.ts';

describe('error responses', () => {
  let t: TestService;
  let tokens: Tokens;
  beforeAll(async () => {
    t = await startTestService('sqlite', { BODY_LIMIT_BYTES: '4096' });
    tokens = await issueTokens(t);
  });
  afterAll(() => t.close());

  it('answers a malformed JSON body with 400 and a detail', async () => {
    const res = await t.api('POST', '/leads', { token: tokens.merchant, body: '{"request_id": ', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ detail: 'Malformed JSON body' });
  });

  it('answers a body over the configured size with 413', async () => {
    const res = await t.api('POST', '/leads', { token: tokens.merchant, body: { request_id: 'x'.repeat(10_000) } });
    expect(res.statusCode).toBe(413);
    expect(res.json().detail).toBeTruthy();
  });

  it('answers validation failures with 422 listing each field', async () => {
    const res = await t.api('POST', '/leads', { token: tokens.merchant, body: { payload: 'nope' } });
    expect(res.statusCode).toBe(422);
    const locs = res.json().detail.map((d: { loc: string[] }) => d.loc.join('.'));
    expect(locs).toEqual(expect.arrayContaining(['body.request_id', 'body.template', 'body.payload']));
    for (const d of res.json().detail) expect(typeof d.msg).toBe('string');
  });

  it('answers unknown routes with 404 in the same shape', async () => {
    const res = await t.api('GET', '/no-such-thing', { token: tokens.admin });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ detail: 'Not Found' });
  });

  it('carries a request id on every response and echoes a sane incoming one', async () => {
    const res = await t.api('GET', '//health', { headers: { 'x-request-id': 'trace-abc-12345' } });
    expect(res.headers['x-request-id']).toBe('trace-abc-12345');
    const generated = await t.api('GET', '//health');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('internal faults', () => {
  it('answer 500 with a generic body and the request id, never the error text', async () => {
    const t = await startTestService('sqlite');
    const tokens = await issueTokens(t);
    // Break the database under the running app: the next query fails inside the handler.
    await t.service.db.kysely.schema.dropTable('templates').execute();
    const res = await t.api('GET', '/templates', { token: tokens.admin });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'Internal server error', request_id: res.headers['x-request-id'] });
    expect(res.body).not.toContain('no such table');
    await t.close();
  });
});
