// Standard Webhooks v1 signing (spec: standard-webhooks/standard-webhooks,
// `spec/standard-webhooks.md`).
//
// signature = base64(HMAC-SHA256(key, `${msgId}.${unixSeconds}.${body}`))
// where key is the base64 decoding of the secret after its `whsec_` prefix.
// The body must be the exact string that goes on the wire; re-serialising
// JSON between signing and sending breaks every receiver's verification.
//
// Rotation: while a merchant rotates, both the new and the old secret are
// active and we emit one `v1,<sig>` per secret, space-separated, so receivers
// holding either secret verify without a flag day.
import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { ulid } from './ulid.ts';
import { boundedMemo } from './bounded-memo.ts';

export type SignatureHeaders = Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;

export type SignMessageInput = {
  msgId: string;
  timestamp: Date;
  body: string;
  /** Active secrets, newest first; two during a rotation grace period. */
  secrets: readonly string[];
};

const SECRET_PREFIX = 'whsec_';
// The spec bounds symmetric keys to 192-512 bits.
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
const GENERATED_KEY_BYTES = 24;

export function generateSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(GENERATED_KEY_BYTES).toString('base64');
}

/** `msg_` + ULID: unique, time-sortable, and free of `.` as the spec requires. */
export function newMessageId(nowMs?: number): string {
  return `msg_${ulid(nowMs)}`;
}

export function signMessage(input: SignMessageInput): SignatureHeaders {
  const { msgId, timestamp, body, secrets } = input;
  if (msgId === '' || msgId.includes('.')) {
    // A `.` would make `${id}.${ts}.${body}` ambiguous and let one signature
    // stand for a different (id, ts, body) split.
    throw new Error(`signMessage: msgId must be non-empty and contain no "." (got ${JSON.stringify(msgId)})`);
  }
  const ms = timestamp.getTime();
  if (!Number.isFinite(ms)) throw new Error('signMessage: timestamp is an invalid Date');
  if (secrets.length === 0) throw new Error('signMessage: at least one active secret is required');

  const ts = String(Math.floor(ms / 1000));
  const signed = `${msgId}.${ts}.${body}`;
  const signatures = [...new Set(secrets)].map(
    (secret) => `v1,${createHmac('sha256', keyOf(secret)).update(signed, 'utf8').digest('base64')}`,
  );
  return { 'webhook-id': msgId, 'webhook-timestamp': ts, 'webhook-signature': signatures.join(' ') };
}

// Keys by secret: every attempt is signed, and checking and decoding its secret each time cost
// a fifth of the HMAC of a 1 KB body. A process signs with a few secrets at a time; a bad secret
// throws every time (it is not remembered).
const keyOf = boundedMemo(1_000, (secret: string): KeyObject => createSecretKey(decodeSecret(secret)));

/** Throws with a reason (never echoing the secret) unless it is a usable `whsec_` secret. */
export function decodeSecret(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error(`signing secret must start with "${SECRET_PREFIX}"`);
  const b64 = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) throw new Error('signing secret is not valid base64');
  const key = Buffer.from(b64, 'base64');
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    throw new Error(`signing secret must decode to ${MIN_KEY_BYTES}-${MAX_KEY_BYTES} bytes (got ${key.length})`);
  }
  return key;
}
