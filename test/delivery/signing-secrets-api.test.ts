// Signing secrets: created or revealed once, rotated with a grace period during which both
// secrets sign (verified with the public standardwebhooks package), metadata-only GET, scoping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { DIALECTS } from '../support/service.ts';
import { startReceiver, type LocalReceiver, type ReceivedRequest } from './local-receiver.ts';
import { startHarness, waitFor, type Harness } from './delivery-harness.ts';

describe.each(DIALECTS)('signing secrets (%s)', (dialect) => {
  let receiver: LocalReceiver;
  let h: Harness;

  beforeAll(async () => {
    receiver = await startReceiver((_req, res) => res.writeHead(200).end());
    h = await startHarness(dialect);
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  async function deliver(owner: { reseller_id: string; merchant_id: string | null }): Promise<ReceivedRequest> {
    const id = await h.enqueue(`${receiver.url}/signed`, { owner }, { owner });
    return waitFor(() => receiver.requests.find((r) => r.headers['webhook-id'] === id));
  }
  const verifies = (req: ReceivedRequest, secret: string) => {
    try {
      new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
      return true;
    } catch (err) {
      if (err instanceof WebhookVerificationError) return false;
      throw err;
    }
  };

  it('a merchant creates its secret once; the value is never shown again', async () => {
    const created = await h.t.api('POST', '/webhooks/signing-secret', { token: h.tokens.merchant, body: {} });
    expect(created.statusCode).toBe(201);
    const secret = created.json();
    expect(secret).toMatchObject({ reseller_id: 'res_1', merchant_id: 'mer_a', revealed: true, current: true, active: true, expires_at: null });
    expect(secret.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);

    const again = await h.t.api('POST', '/webhooks/signing-secret', { token: h.tokens.merchant, body: {} });
    expect(again.statusCode).toBe(409);
    const list = await h.t.api('GET', '/webhooks/signing-secret', { token: h.tokens.merchant });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain('whsec_');
    expect(list.json().signing_secrets).toEqual([{ id: secret.id, reseller_id: 'res_1', merchant_id: 'mer_a', created_at: secret.created_at, expires_at: null, revealed: true, current: true, active: true }]);

    expect(verifies(await deliver({ reseller_id: 'res_1', merchant_id: 'mer_a' }), secret.secret)).toBe(true);
  });

  it('the first delivery creates an unrevealed secret, which its owner may reveal exactly once', async () => {
    const req = await deliver({ reseller_id: 'res_2', merchant_id: 'mer_b' });
    expect(req.headers['webhook-signature']).toMatch(/^v1,/);
    const listed = (await h.t.api('GET', '/webhooks/signing-secret', { token: h.tokens.otherMerchant })).json().signing_secrets;
    expect(listed).toMatchObject([{ merchant_id: 'mer_b', revealed: false, current: true }]);

    const revealed = await h.t.api('POST', '/webhooks/signing-secret', { token: h.tokens.otherMerchant, body: {} });
    expect(revealed.statusCode).toBe(200);
    expect(revealed.json().id).toBe(listed[0].id);
    expect(verifies(req, revealed.json().secret)).toBe(true);
    expect((await h.t.api('POST', '/webhooks/signing-secret', { token: h.tokens.otherMerchant, body: {} })).statusCode).toBe(409);
  });

  it('rotation: both secrets sign during the grace period, only the new one after it', async () => {
    const owner = { reseller_id: 'res_1', merchant_id: null };
    const first = (await h.t.api('POST', '/webhooks/signing-secret', { token: h.tokens.reseller, body: { merchant_id: null } })).json();
    expect(first).toMatchObject({ reseller_id: 'res_1', merchant_id: null });

    const rotated = await h.t.api('POST', '/webhooks/signing-secret/rotate', { token: h.tokens.reseller, body: { grace_period_seconds: 3600 } });
    expect(rotated.statusCode).toBe(201);
    const next = rotated.json();
    expect(next.secret).not.toBe(first.secret);
    expect(Date.parse(next.previous_secrets_expire_at) - Date.now()).toBeGreaterThan(3_500_000);

    const during = await deliver(owner);
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifies(during, next.secret)).toBe(true);
    expect(verifies(during, first.secret)).toBe(true);

    const listed = (await h.t.api('GET', '/webhooks/signing-secret', { token: h.tokens.reseller })).json().signing_secrets;
    const ofOwner = listed.filter((s: { merchant_id: string | null }) => s.merchant_id === null);
    expect(ofOwner.map((s: { id: string; current: boolean }) => [s.id, s.current])).toEqual([
      [next.id, true],
      [first.id, false],
    ]);

    const last = (await h.t.api('POST', '/webhooks/signing-secret/rotate', { token: h.tokens.reseller, body: { grace_period_seconds: 0 } })).json();
    const after = await deliver(owner);
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(after, last.secret)).toBe(true);
    expect(verifies(after, next.secret)).toBe(false);
    expect(verifies(after, first.secret)).toBe(false);
  });

  it('scoping and validation', async () => {
    expect((await h.t.api('POST', '/webhooks/signing-secret', { token: h.tokens.user, body: {} })).statusCode).toBe(403);
    expect((await h.t.api('GET', '/webhooks/signing-secret', { token: h.tokens.user })).statusCode).toBe(403);
    expect((await h.t.api('POST', '/webhooks/signing-secret/rotate', { token: h.tokens.merchant, body: { merchant_id: 'mer_x' } })).statusCode).toBe(403);
    expect((await h.t.api('POST', '/webhooks/signing-secret', { token: h.tokens.otherReseller, body: { reseller_id: 'res_1' } })).statusCode).toBe(403);
    const tooLong = await h.t.api('POST', '/webhooks/signing-secret/rotate', { token: h.tokens.merchant, body: { grace_period_seconds: 8 * 86400 } });
    expect(tooLong.statusCode).toBe(422);
    expect(tooLong.json().detail[0].loc).toEqual(['body', 'grace_period_seconds']);
    const theirs = (await h.t.api('GET', '/webhooks/signing-secret', { token: h.tokens.otherReseller })).json().signing_secrets;
    expect(theirs.every((s: { reseller_id: string }) => s.reseller_id === 'res_2')).toBe(true);
    const all = (await h.t.api('GET', '/webhooks/signing-secret', { token: h.tokens.admin })).json().signing_secrets;
    expect(new Set(all.map((s: { reseller_id: string }) => s.reseller_id))).toEqual(new Set(['res_1', 'res_2']));
  });
});
