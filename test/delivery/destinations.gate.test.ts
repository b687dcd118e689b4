import { describe, expect, it } from 'vitest';
import { createDestinationGate } from '../../src/delivery/destinations.ts';
import type { Permit } from '../../src/delivery/circuit-breaker.ts';

type Item = { url: string; n: number };

function setup(overrides: { maxConcurrent?: number; maxWaiting?: number; failureThreshold?: number } = {}) {
  let clock = 1_000_000;
  const started: { item: Item; permit: Permit | null }[] = [];
  const released: { item: Item; retryAt: number }[] = [];
  let rooms = 0;
  const gate = createDestinationGate<Item>(
    { maxConcurrent: 2, maxWaiting: 4, failureThreshold: 2, cooldownMs: 30_000, now: () => clock, ...overrides },
    { start: (item, permit) => started.push({ item, permit }), release: (item, retryAt) => released.push({ item, retryAt }), onRoom: () => rooms++ },
  );
  const items = (origin: string, from: number, count: number) => Array.from({ length: count }, (_, i) => ({ url: `${origin}/hook`, n: from + i }));
  /** Ends the oldest request in flight to that origin. */
  const finish = (origin: string, outcome: 'success' | 'failure', durationMs = 10) => {
    const index = started.findIndex((s) => s.permit?.origin === origin);
    const permit = started.splice(index, 1)[0]!.permit!;
    permit.release(outcome);
    gate.settled(origin, durationMs);
  };
  return { gate, started, released, finish, items, rooms: () => rooms, tick: (ms: number) => (clock += ms), now: () => clock };
}

describe('destination gate', () => {
  it('caps requests in flight per origin, queues the next ones in order and starts them as slots free', () => {
    const { gate, started, finish, items } = setup();
    gate.admit(items('https://a.test', 0, 5));
    expect(started.map((s) => s.item.n)).toEqual([0, 1]);
    expect(gate.waitingCount()).toBe(3);
    finish('https://a.test', 'success');
    expect(started.map((s) => s.item.n)).toEqual([1, 2]);
    expect(gate.waitingCount()).toBe(2);
  });

  it('one busy origin does not hold another one back', () => {
    const { gate, started, items } = setup();
    gate.admit([...items('https://slow.test', 0, 6), ...items('https://fast.test', 100, 2)]);
    expect(started.map((s) => s.item.n)).toEqual([0, 1, 100, 101]);
  });

  it('parks what does not fit in a full line, for about the time the line takes to drain', () => {
    const { gate, released, items, now, finish } = setup();
    gate.admit(items('https://a.test', 0, 2));
    finish('https://a.test', 'success', 80);
    finish('https://a.test', 'success', 80);
    gate.admit(items('https://a.test', 10, 8)); // 2 start, 4 wait, 2 parked
    expect(released.map((r) => r.item.n)).toEqual([16, 17]);
    // 4 waiting / 2 slots × 60.8 ms a request (the average moving from 50 towards 80 ms)
    for (const r of released) expect(r.retryAt - now()).toBe(122);
    expect(gate.saturated()).toBe(true);
    expect(gate.claimLimit()).toBe(0); // no room in the line: wait for it to drain
  });

  it('does not pace claims for a slow origin (its overflow is parked instead)', () => {
    const { gate, released, items, now, finish } = setup();
    gate.admit(items('https://slow.test', 0, 2));
    finish('https://slow.test', 'success', 2_000);
    finish('https://slow.test', 'success', 2_000);
    gate.admit(items('https://slow.test', 10, 7));
    expect(gate.saturated()).toBe(false);
    expect(gate.claimLimit()).toBe(Number.POSITIVE_INFINITY);
    expect(released[0]!.retryAt - now()).toBeGreaterThan(1_000);
  });

  it('asks for a claim as the hot line drains, and paces claims to its room', () => {
    const { gate, items, finish, rooms } = setup({ maxWaiting: 4 });
    gate.admit(items('https://a.test', 0, 7)); // 2 in flight, 4 waiting, 1 parked → hot
    expect(rooms()).toBe(0);
    finish('https://a.test', 'success');
    finish('https://a.test', 'success');
    expect(rooms()).toBe(1); // the line is down to half
    expect(gate.claimLimit()).toBe(4 - 2);
  });

  it('hands the whole line back when the circuit opens, with the cooldown as retry time', () => {
    const { gate, released, finish, items, now } = setup();
    gate.admit(items('https://down.test', 0, 6));
    finish('https://down.test', 'failure');
    finish('https://down.test', 'failure'); // second consecutive failure opens the circuit
    expect(gate.waitingCount()).toBe(0);
    expect(released.length).toBeGreaterThanOrEqual(3);
    for (const r of released) expect(r.retryAt).toBe(now() + 30_000);
    gate.admit(items('https://down.test', 50, 1));
    expect(released.at(-1)).toEqual({ item: { url: 'https://down.test/hook', n: 50 }, retryAt: now() + 30_000 });
  });

  it('starts a message whose URL does not parse without a permit (the client refuses it)', () => {
    const { gate, started } = setup();
    gate.admit([{ url: 'not a url', n: 1 }]);
    expect(started).toEqual([{ item: { url: 'not a url', n: 1 }, permit: null }]);
  });

  it('a message refused while starting can re-enter the gate safely', () => {
    const clock = 0;
    const seen: number[] = [];
    const gate = createDestinationGate<Item>(
      { maxConcurrent: 1, maxWaiting: 10, failureThreshold: 5, cooldownMs: 1000, now: () => clock },
      {
        // Every start is refused at once (as for a lease about to lapse) and its slot given back.
        start: (item, permit) => {
          seen.push(item.n);
          permit?.release('neutral');
          if (permit) gate.settled(permit.origin, null);
        },
        release: () => {},
        onRoom: () => {},
      },
    );
    gate.admit(Array.from({ length: 5 }, (_, n) => ({ url: 'https://a.test/x', n })));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
  });
});
