import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, issueTokens, sampleTemplate, startTestService, type TestService, type Tokens } from '../support/service.ts';

describe.each(DIALECTS)('templates API (%s)', (dialect) => {
  let t: TestService;
  let tokens: Tokens;
  beforeAll(async () => {
    t = await startTestService(dialect);
    tokens = await issueTokens(t);
  });
  afterAll(() => t.close());

  it('creates a template, never returning its secrets', async () => {
    const res = await t.api('POST', '/templates', { token: tokens.merchant, body: sampleTemplate('crud-1') });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ name: 'crud-1', reseller_id: 'res_1', merchant_id: 'mer_a', is_active: true, secret_names: ['crm_token'] });
    expect(body.flow.initial_node).toBe('greeting');
    expect(res.body).not.toContain('sk-live-very-secret');
    const read = await t.api('GET', `/templates/${body.id}`, { token: tokens.merchant });
    expect(read.statusCode).toBe(200);
    expect(read.body).not.toContain('sk-live-very-secret');
    const list = await t.api('GET', '/templates', { token: tokens.reseller });
    expect(list.body).not.toContain('sk-live-very-secret');
  });

  it('refuses a duplicate name for the same owner with 409', async () => {
    await t.api('POST', '/templates', { token: tokens.merchant, body: sampleTemplate('dup') });
    const again = await t.api('POST', '/templates', { token: tokens.merchant, body: sampleTemplate('dup') });
    expect(again.statusCode).toBe(409);
    // Another owner may use the same name.
    const other = await t.api('POST', '/templates', { token: tokens.otherMerchant, body: sampleTemplate('dup') });
    expect(other.statusCode).toBe(201);
  });

  it('rejects a transition to a node that does not exist, naming the path', async () => {
    const doc = sampleTemplate('bad-transition');
    doc.flow.nodes[0]!.functions![0]!.transition_to = 'nowhere';
    const res = await t.api('POST', '/templates', { token: tokens.merchant, body: doc });
    expect(res.statusCode).toBe(422);
    const issue = res.json().detail.find((d: { loc: unknown[] }) => d.loc.includes('transition_to'));
    expect(issue.loc).toEqual(['body', 'flow', 'nodes', 0, 'functions', 0, 'transition_to']);
    expect(issue.msg).toContain('flow.nodes[0].functions[0].transition_to');
  });

  it('rejects repeated node names, repeated function names and an invalid JSON Schema', async () => {
    const pathsOf = async (doc: unknown) => {
      const res = await t.api('POST', '/templates', { token: tokens.merchant, body: doc });
      expect(res.statusCode).toBe(422);
      return res.json().detail.map((d: { msg: string }) => d.msg.split(':')[0]);
    };
    const repeatedNode = sampleTemplate('bad-node');
    repeatedNode.flow.nodes.push({ ...repeatedNode.flow.nodes[1]! });
    expect(await pathsOf(repeatedNode)).toContain('flow.nodes[2].node_name');
    const repeatedFunction = sampleTemplate('bad-fn');
    repeatedFunction.flow.nodes[0]!.functions!.push({ ...repeatedFunction.flow.nodes[0]!.functions![1]! });
    expect(await pathsOf(repeatedFunction)).toContain('flow.nodes[0].functions[2].name');
    const badSchema = { ...sampleTemplate('bad-schema'), expected_payload_schema: { type: 'objekt' } };
    expect(await pathsOf(badSchema)).toContain('expected_payload_schema');
  });

  it('updates a template: partial fields, secrets merged and still hidden, flow revalidated', async () => {
    const created = (await t.api('POST', '/templates', { token: tokens.merchant, body: sampleTemplate('upd') })).json();
    const res = await t.api('PUT', `/templates/${created.id}`, {
      token: tokens.merchant,
      body: { is_active: false, secrets: { api_key: 'k-2' }, configurations: { initial_greeting: 'Hello {customer_name}' } },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ is_active: false, secret_names: ['api_key', 'crm_token'], configurations: { initial_greeting: 'Hello {customer_name}' } });
    expect(res.body).not.toContain('k-2');
    const badFlow = await t.api('PUT', `/templates/${created.id}`, { token: tokens.merchant, body: { flow: { initial_node: 'missing', nodes: [] } } });
    expect(badFlow.statusCode).toBe(422);
  });

  it('scopes reads and writes: other tenants get 404 on read and 403 on write; users are read-only', async () => {
    const created = (await t.api('POST', '/templates', { token: tokens.merchant, body: sampleTemplate('scoped') })).json();
    expect((await t.api('GET', `/templates/${created.id}`, { token: tokens.otherMerchant })).statusCode).toBe(404);
    expect((await t.api('GET', `/templates/${created.id}`, { token: tokens.otherReseller })).statusCode).toBe(404);
    expect((await t.api('PUT', `/templates/${created.id}`, { token: tokens.otherReseller, body: { is_active: false } })).statusCode).toBe(403);
    expect((await t.api('DELETE', `/templates/${created.id}`, { token: tokens.otherMerchant })).statusCode).toBe(403);
    expect((await t.api('GET', `/templates/${created.id}`, { token: tokens.user })).statusCode).toBe(200);
    expect((await t.api('GET', `/templates/${created.id}`, { token: tokens.reseller })).statusCode).toBe(200);
    expect((await t.api('PUT', `/templates/${created.id}`, { token: tokens.user, body: { is_active: false } })).statusCode).toBe(403);
    const otherList = (await t.api('GET', '/templates', { token: tokens.otherReseller })).json().templates;
    expect(otherList.map((x: { id: string }) => x.id)).not.toContain(created.id);
    const create403 = await t.api('POST', '/templates', { token: tokens.merchant, body: { ...sampleTemplate('x'), merchant_id: 'mer_b' } });
    expect(create403.statusCode).toBe(403);
  });

  it('lists with a cursor and a name filter', async () => {
    for (const n of ['page-a', 'page-b', 'page-c']) await t.api('POST', '/templates', { token: tokens.otherReseller, body: sampleTemplate(n) });
    const first = (await t.api('GET', '/templates?limit=2', { token: tokens.otherReseller })).json();
    expect(first.templates).toHaveLength(2);
    expect(first.next_cursor).toBeTruthy();
    const second = (await t.api('GET', `/templates?limit=2&cursor=${first.next_cursor}`, { token: tokens.otherReseller })).json();
    const names = [...first.templates, ...second.templates].map((x: { name: string }) => x.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(expect.arrayContaining(['page-a', 'page-b', 'page-c']));
    const byName = (await t.api('GET', '/templates?name=page-b', { token: tokens.otherReseller })).json();
    expect(byName.templates.map((x: { name: string }) => x.name)).toEqual(['page-b']);
  });

  it('deletes a template; reading it again is 404', async () => {
    const created = (await t.api('POST', '/templates', { token: tokens.reseller, body: sampleTemplate('gone') })).json();
    expect((await t.api('DELETE', `/templates/${created.id}`, { token: tokens.reseller })).statusCode).toBe(204);
    expect((await t.api('GET', `/templates/${created.id}`, { token: tokens.reseller })).statusCode).toBe(404);
  });
});
