/**
 * Isolation between receivers. Each origin (scheme://host:port) gets at most
 * `maxConcurrent` requests in flight (circuit-breaker.ts) and a bounded waiting line of
 * claimed messages; whatever does not fit goes back to the queue for later, so one slow or
 * dead receiver holds only its own slots and never the worker's whole capacity.
 *
 * For a claimed message, `admit` does exactly one of:
 *   start    a permit was granted: send now;
 *   wait     the origin is at its cap: join its line (at most `maxWaiting`);
 *   release  the line is full (back when the line should have drained, from the origin's
 *            observed request time), or the circuit is open (back after the cooldown) —
 *            either way without spending one of the message's attempts.
 * When a request ends, `settled(origin)` starts the next waiting message, or hands the whole
 * line back if the circuit has just opened.
 *
 * A backlog for one fast receiver: its line overflows once, that origin becomes "hot", and
 * `claimLimit()` then sizes claims to the room left in its line, with `onRoom` asking for the
 * next claim as the line drains to half. So a burst to one receiver flows at that receiver's
 * speed without claiming and releasing the same rows over and over; other origins' messages
 * wait at most for half a line to drain (under 100 ms × maxWaiting / 2 / maxConcurrent). A
 * slow hot origin (over 100 ms a request) is not paced: claims stay full-size, and its
 * overflow is parked for the line's drain time, which lets other origins' messages through.
 */
import { boundedMemo } from './bounded-memo.ts';
import { createCircuitBreakers, type CircuitBreakers, type Permit } from './circuit-breaker.ts';

export type Routed = { url: string };

export type GateActions<T extends Routed> = {
  start(item: T, permit: Permit | null): void;
  release(item: T, retryAt: number): void;
  /** The hot origin's line has drained to half: a good time to claim. */
  onRoom(): void;
};

export type DestinationGateOptions = {
  maxConcurrent: number;
  maxWaiting: number;
  failureThreshold: number;
  cooldownMs: number;
  now?: () => number;
};

export type DestinationGate<T extends Routed> = {
  admit(batch: readonly T[]): void;
  /** A request to this origin ended after `durationMs`, or was not sent (null); its permit is already released. */
  settled(origin: string, durationMs: number | null): void;
  /** How many messages the next claim should take at most. */
  claimLimit(): number;
  /** The hot origin's line is full: claiming more now would only park rows. */
  saturated(): boolean;
  /** Empties every waiting line (on shutdown); the caller hands the items back. */
  takeWaiting(): T[];
  waitingCount(): number;
  breakers: CircuitBreakers;
};

const MIN_PARK_MS = 50;
const MAX_PARK_MS = 10_000;
const SLOW_MS = 100; // an origin slower than this per request is not paced
const EWMA = 0.2;
const INITIAL_DURATION_MS = 50;

/**
 * The origin of a URL, or null when the URL cannot be parsed (the client then refuses it).
 * Asked for every message, mostly of the same few URLs: remembered rather than parsed each time.
 */
export const originOf = boundedMemo(1_000, (url: string): string | null => {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
});

export function createDestinationGate<T extends Routed>(options: DestinationGateOptions, actions: GateActions<T>): DestinationGate<T> {
  const now = options.now ?? Date.now;
  const { maxConcurrent, maxWaiting } = options;
  const breakers = createCircuitBreakers({ maxConcurrent, failureThreshold: options.failureThreshold, cooldownMs: options.cooldownMs, now });
  const lines = new Map<string, T[]>();
  const durations = new Map<string, number>();
  let waiting = 0;
  let hot: string | null = null;

  const durationOf = (origin: string) => durations.get(origin) ?? INITIAL_DURATION_MS;

  /** Starts the item, or says why not; under an open circuit the item is already released. */
  function tryStart(origin: string, item: T): 'started' | 'busy' | number {
    const result = breakers.acquire(origin);
    if (result.kind === 'granted') {
      actions.start(item, result.permit);
      return 'started';
    }
    if (result.reason === 'concurrency_limit') return 'busy';
    // Open, or half-open with its probe in flight (no retry time known).
    const retryAt = now() + (result.retryInMs ?? Math.min(options.cooldownMs, SLOW_MS));
    actions.release(item, retryAt);
    return retryAt;
  }

  /** Joins the line; false when the line is full and the item was parked. */
  function enqueue(origin: string, item: T): boolean {
    let line = lines.get(origin);
    if (line === undefined) lines.set(origin, (line = []));
    if (line.length >= maxWaiting) {
      const drainMs = (line.length / maxConcurrent) * durationOf(origin);
      actions.release(item, now() + Math.min(MAX_PARK_MS, Math.max(MIN_PARK_MS, Math.ceil(drainMs))));
      return false;
    }
    line.push(item);
    waiting++;
    return true;
  }

  function admitOne(item: T): string | null {
    const origin = originOf(item.url);
    if (origin === null) {
      actions.start(item, null);
      return null;
    }
    // Keep order within an origin: nobody jumps a non-empty line.
    if (lines.get(origin)?.length) return enqueue(origin, item) ? null : origin;
    if (tryStart(origin, item) === 'busy') return enqueue(origin, item) ? null : origin;
    return null;
  }

  return {
    breakers,
    admit(batch) {
      let overflowed: string | null = null;
      for (const item of batch) overflowed = admitOne(item) ?? overflowed;
      if (overflowed !== null) hot = overflowed;
    },
    settled(origin, durationMs) {
      if (durationMs !== null) durations.set(origin, durationOf(origin) * (1 - EWMA) + durationMs * EWMA);
      const line = lines.get(origin);
      if (line === undefined) return;
      while (line.length > 0) {
        // Out of the line before starting: `start` may call back into the gate.
        const item = line.shift()!;
        waiting--;
        const result = tryStart(origin, item);
        if (result === 'busy') {
          line.unshift(item);
          waiting++;
          break;
        }
        if (typeof result === 'number') {
          // The circuit is open: everything still waiting goes back with the same retry time.
          for (const rest of line.splice(0)) {
            waiting--;
            actions.release(rest, result);
          }
        }
      }
      if (origin !== hot) {
        if (line.length === 0) lines.delete(origin);
        return;
      }
      if (line.length === 0) {
        lines.delete(origin);
        hot = null;
        actions.onRoom();
      } else if (line.length === maxWaiting >> 1) {
        actions.onRoom();
      }
    },
    claimLimit() {
      if (hot === null || durationOf(hot) > SLOW_MS) return Number.POSITIVE_INFINITY;
      return maxWaiting - (lines.get(hot)?.length ?? 0);
    },
    saturated() {
      return hot !== null && durationOf(hot) <= SLOW_MS && (lines.get(hot)?.length ?? 0) >= maxWaiting;
    },
    takeWaiting() {
      const all = [...lines.values()].flat();
      lines.clear();
      waiting = 0;
      return all;
    },
    waitingCount: () => waiting,
  };
}
