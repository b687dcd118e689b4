// ULID (https://github.com/ulid/spec): 48-bit millisecond time + 80 random
// bits in Crockford base32, so ids sort by creation time as plain strings.
// Ids minted in the same millisecond by this process increment the random
// part instead of redrawing it, which keeps them strictly increasing.
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const RANDOM_MAX = (1n << 80n) - 1n;
const TIME_MAX = 2 ** 48 - 1;

let lastTime = -1;
let lastRandom = 0n;

export function ulid(nowMs: number = Date.now()): string {
  if (!Number.isInteger(nowMs) || nowMs < 0 || nowMs > TIME_MAX) {
    throw new RangeError(`ulid: time ${nowMs} is outside 0..2^48-1 ms`);
  }
  let time = nowMs;
  let random: bigint;
  if (time <= lastTime) {
    // Clock went backwards or same ms: stay on the last time so order holds.
    time = lastTime;
    random = lastRandom + 1n;
    if (random > RANDOM_MAX) throw new Error('ulid: random component overflow within one millisecond');
  } else {
    random = BigInt(`0x${randomBytes(10).toString('hex')}`);
  }
  lastTime = time;
  lastRandom = random;
  return encode(BigInt(time), TIME_CHARS) + encode(random, RANDOM_CHARS);
}

function encode(value: bigint, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out = ALPHABET.charAt(Number(v & 31n)) + out;
    v >>= 5n;
  }
  return out;
}
