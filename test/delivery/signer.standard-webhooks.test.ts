import { describe, expect, it } from 'vitest';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { decodeSecret, generateSigningSecret, newMessageId, signMessage } from '../../src/delivery/signer.ts';

const body = JSON.stringify({ orderId: 'req_unique_001', outcome: 'confirmed' });

describe('signMessage', () => {
  it('reproduces the Standard Webhooks spec test vector', () => {
    const headers = signMessage({
      msgId: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      timestamp: new Date(1614265330 * 1000),
      body: '{"test": 2432232314}',
      secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    });
    expect(headers).toEqual({
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    });
  });

  it('verifies with the public standardwebhooks package', () => {
    const secret = generateSigningSecret();
    const headers = signMessage({ msgId: newMessageId(), timestamp: new Date(), body, secrets: [secret] });
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs with every active secret during rotation so receivers holding either verify', () => {
    const next = generateSigningSecret();
    const previous = generateSigningSecret();
    const headers = signMessage({ msgId: newMessageId(), timestamp: new Date(), body, secrets: [next, previous] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(next).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(previous).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(generateSigningSecret()).verify(body, headers)).toThrow(WebhookVerificationError);
  });

  it('fails verification when the body is tampered with', () => {
    const secret = generateSigningSecret();
    const headers = signMessage({ msgId: newMessageId(), timestamp: new Date(), body, secrets: [secret] });
    expect(() => new Webhook(secret).verify(body.replace('confirmed', 'cancelled'), headers)).toThrow(WebhookVerificationError);
  });

  it('fails verification when the id or timestamp is swapped', () => {
    const secret = generateSigningSecret();
    const headers = signMessage({ msgId: newMessageId(), timestamp: new Date(), body, secrets: [secret] });
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': newMessageId() })).toThrow(WebhookVerificationError);
    const ts = String(Number(headers['webhook-timestamp']) - 1);
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-timestamp': ts })).toThrow(WebhookVerificationError);
  });

  it('signs multi-byte bodies over their UTF-8 bytes', () => {
    const secret = generateSigningSecret();
    const unicode = JSON.stringify({ content: 'नमस्ते Rahul — ok ✓' });
    const headers = signMessage({ msgId: newMessageId(), timestamp: new Date(), body: unicode, secrets: [secret] });
    expect(() => new Webhook(secret).verify(unicode, headers)).not.toThrow();
  });

  it('emits one signature per distinct secret', () => {
    const secret = generateSigningSecret();
    const headers = signMessage({ msgId: 'msg_1', timestamp: new Date(), body, secrets: [secret, secret] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(1);
  });

  it('rejects ids with a dot, invalid dates, missing secrets and malformed secrets', () => {
    const secret = generateSigningSecret();
    const base = { msgId: 'msg_1', timestamp: new Date(), body, secrets: [secret] };
    expect(() => signMessage({ ...base, msgId: 'msg.1' })).toThrow(/contain no "\."/);
    expect(() => signMessage({ ...base, timestamp: new Date('nope') })).toThrow(/invalid Date/);
    expect(() => signMessage({ ...base, secrets: [] })).toThrow(/at least one/);
    expect(() => signMessage({ ...base, secrets: ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] })).toThrow(/whsec_/);
    expect(() => signMessage({ ...base, secrets: ['whsec_c2hvcnQ='] })).toThrow(/24-64 bytes/);
    expect(() => signMessage({ ...base, secrets: ['whsec_not base64!'] })).toThrow(/base64/);
  });
});

describe('generateSigningSecret', () => {
  it('returns whsec_ + base64 of 24 random bytes', () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(decodeSecret(secret)).toHaveLength(24);
    expect(generateSigningSecret()).not.toBe(secret);
  });
});

describe('newMessageId', () => {
  it('is msg_ + a 26-character Crockford base32 ULID', () => {
    expect(newMessageId()).toMatch(/^msg_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('sorts by creation time, including ids minted in the same millisecond', () => {
    const ids = [newMessageId(4_000_000_000_000), newMessageId(4_000_000_000_000), newMessageId(4_000_000_000_000), newMessageId(4_000_000_000_001)];
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    const later = newMessageId(4_100_000_000_000);
    expect(later > (ids[3] as string)).toBe(true);
  });
});
