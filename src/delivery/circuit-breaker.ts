// Per-destination isolation: a concurrency cap and a circuit breaker per
// origin (scheme://host:port), so a slow or dead receiver can hold at most
// `maxConcurrent` worker slots and, once it is known to be down, none.
//
// States, per origin:
//   closed     normal; every acquire is granted while fewer than
//              maxConcurrent are in flight. A failure increments the
//              consecutive-failure count, a success resets it.
//              -> open when the count reaches failureThreshold.
//   open       every acquire is rejected with the time left on the cooldown.
//              Results of requests that were already in flight are ignored.
//              -> half_open once cooldownMs has passed (checked on acquire).
//   half_open  exactly one probe is granted; other acquires are rejected.
//              probe success -> closed (count reset)
//              probe failure -> open (cooldown restarts)
//
// Pure bookkeeping: no timers, no I/O, time comes from `now`. The caller
// (delivery worker) decides what a rejected acquire means; it should
// reschedule the message without spending one of its attempts.
//
// What counts as failure is the caller's call; breakerOutcome() gives the
// default: the receiver being unreachable or overloaded (timeouts, connect
// errors, 429, 5xx) is a failure, while any other answer proves it is alive.

export type BreakerState = 'closed' | 'open' | 'half_open';

export type BreakerOutcome = 'success' | 'failure' | 'neutral';

export type CircuitBreakerOptions = {
  /** In-flight requests allowed per origin. */
  maxConcurrent: number;
  /** Consecutive failures that open the circuit. */
  failureThreshold: number;
  /** How long an open circuit rejects before letting one probe through. */
  cooldownMs: number;
  now?: () => number;
};

export type Permit = {
  readonly origin: string;
  /** Idempotent; only the first call counts. */
  release(outcome: BreakerOutcome): void;
};

export type AcquireResult =
  | { kind: 'granted'; permit: Permit }
  | { kind: 'rejected'; reason: 'circuit_open' | 'concurrency_limit'; retryInMs: number | null };

export type OriginSnapshot = { state: BreakerState; inFlight: number; consecutiveFailures: number; openedAt: number | null };

export type CircuitBreakers = {
  acquire(origin: string): AcquireResult;
  state(origin: string): BreakerState;
  snapshot(): Record<string, OriginSnapshot>;
};

type Entry = {
  state: BreakerState;
  inFlight: number;
  consecutiveFailures: number;
  openedAt: number;
  probeInFlight: boolean;
  /** Bumped whenever the circuit opens; permits from an older epoch are stragglers. */
  epoch: number;
};

export function createCircuitBreakers(options: CircuitBreakerOptions): CircuitBreakers {
  const { maxConcurrent, failureThreshold, cooldownMs } = options;
  const now = options.now ?? Date.now;
  for (const [name, value] of Object.entries({ maxConcurrent, failureThreshold })) {
    if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1 (got ${value})`);
  }
  if (!Number.isFinite(cooldownMs) || cooldownMs < 0) throw new RangeError(`cooldownMs must be >= 0 (got ${cooldownMs})`);

  const entries = new Map<string, Entry>();

  function refresh(entry: Entry): void {
    if (entry.state === 'open' && now() - entry.openedAt >= cooldownMs) {
      entry.state = 'half_open';
      entry.probeInFlight = false;
    }
  }

  function open(entry: Entry): void {
    entry.state = 'open';
    entry.openedAt = now();
    entry.probeInFlight = false;
    entry.epoch++;
  }

  // Forget healthy idle origins so the map tracks only live or troubled
  // destinations, not every URL ever called.
  function maybeForget(origin: string, entry: Entry): void {
    if (entry.state === 'closed' && entry.inFlight === 0 && entry.consecutiveFailures === 0) entries.delete(origin);
  }

  function acquire(origin: string): AcquireResult {
    let entry = entries.get(origin);
    if (entry === undefined) {
      entry = { state: 'closed', inFlight: 0, consecutiveFailures: 0, openedAt: 0, probeInFlight: false, epoch: 0 };
      entries.set(origin, entry);
    }
    refresh(entry);
    if (entry.state === 'open') {
      return { kind: 'rejected', reason: 'circuit_open', retryInMs: Math.max(0, entry.openedAt + cooldownMs - now()) };
    }
    if (entry.inFlight >= maxConcurrent) {
      return { kind: 'rejected', reason: 'concurrency_limit', retryInMs: null };
    }
    let isProbe = false;
    if (entry.state === 'half_open') {
      if (entry.probeInFlight) return { kind: 'rejected', reason: 'circuit_open', retryInMs: null };
      entry.probeInFlight = true;
      isProbe = true;
    }
    entry.inFlight++;
    return { kind: 'granted', permit: makePermit(origin, entry, isProbe) };
  }

  function makePermit(origin: string, entry: Entry, isProbe: boolean): Permit {
    const epoch = entry.epoch;
    let released = false;
    return {
      origin,
      release(outcome: BreakerOutcome): void {
        if (released) return;
        released = true;
        entry.inFlight--;
        // Stragglers from before the circuit last opened only give back
        // their slot; their results describe an older state of the receiver.
        if (epoch === entry.epoch) settle(entry, isProbe, outcome);
        if (entries.get(origin) === entry) maybeForget(origin, entry);
      },
    };
  }

  function settle(entry: Entry, isProbe: boolean, outcome: BreakerOutcome): void {
    if (entry.state === 'half_open') {
      // Only the probe's result decides a half-open circuit.
      if (!isProbe) return;
      if (outcome === 'success') {
        entry.state = 'closed';
        entry.consecutiveFailures = 0;
        entry.probeInFlight = false;
      } else if (outcome === 'failure') {
        open(entry);
      } else {
        entry.probeInFlight = false;
      }
    } else if (entry.state === 'closed') {
      if (outcome === 'success') entry.consecutiveFailures = 0;
      else if (outcome === 'failure' && ++entry.consecutiveFailures >= failureThreshold) open(entry);
    }
  }

  function state(origin: string): BreakerState {
    const entry = entries.get(origin);
    if (entry === undefined) return 'closed';
    refresh(entry);
    return entry.state;
  }

  function snapshot(): Record<string, OriginSnapshot> {
    const out: Record<string, OriginSnapshot> = {};
    for (const [origin, e] of entries) {
      refresh(e);
      out[origin] = {
        state: e.state,
        inFlight: e.inFlight,
        consecutiveFailures: e.consecutiveFailures,
        openedAt: e.state === 'closed' ? null : e.openedAt,
      };
    }
    return out;
  }

  return { acquire, state, snapshot };
}

/** Default mapping from an attempt's result to what it says about the receiver's health. */
export function breakerOutcome(result: { status?: number; error?: 'timeout' | 'connect' | 'blocked' | 'other' }): BreakerOutcome {
  if (result.error === 'blocked') return 'neutral'; // never reached the network
  if (result.error !== undefined) return result.error === 'other' ? 'neutral' : 'failure';
  const status = result.status;
  if (status === undefined) return 'neutral';
  if (status === 429 || status >= 500) return 'failure';
  return 'success';
}
