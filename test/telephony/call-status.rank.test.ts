import { describe, expect, it } from 'vitest';
import {
  CALL_STATUSES,
  isStatusAdvance,
  isTerminalStatus,
  mapCarrierStatus,
  statusRank,
} from '../../src/telephony/call-status.ts';
import type { NormalizedCallStatus } from '../../src/telephony/call-status.ts';

const TERMINAL: NormalizedCallStatus[] = ['completed', 'busy', 'no-answer', 'failed', 'canceled'];

describe('statusRank', () => {
  it('orders the lifecycle queued < initiated < ringing < in-progress < terminal', () => {
    expect(statusRank('queued')).toBeLessThan(statusRank('initiated'));
    expect(statusRank('initiated')).toBeLessThan(statusRank('ringing'));
    expect(statusRank('ringing')).toBeLessThan(statusRank('in-progress'));
    for (const terminal of TERMINAL) expect(statusRank('in-progress')).toBeLessThan(statusRank(terminal));
  });

  it('gives every terminal status the same rank', () => {
    expect(new Set(TERMINAL.map(statusRank)).size).toBe(1);
    expect(CALL_STATUSES.filter(isTerminalStatus)).toEqual(TERMINAL);
  });
});

describe('isStatusAdvance', () => {
  it('ignores a late ringing after completed', () => {
    expect(isStatusAdvance('completed', 'ringing')).toBe(false);
  });

  it('ignores a repeat and a second terminal status', () => {
    expect(isStatusAdvance('ringing', 'ringing')).toBe(false);
    expect(isStatusAdvance('completed', 'busy')).toBe(false);
    expect(isStatusAdvance('no-answer', 'completed')).toBe(false);
  });

  it('moves forward, skipping steps, and from nothing', () => {
    expect(isStatusAdvance(undefined, 'ringing')).toBe(true);
    expect(isStatusAdvance(null, 'completed')).toBe(true);
    expect(isStatusAdvance('queued', 'in-progress')).toBe(true);
    expect(isStatusAdvance('ringing', 'no-answer')).toBe(true);
  });

  it('applied over a shuffled stream keeps the furthest status', () => {
    const arrivals: NormalizedCallStatus[] = ['in-progress', 'initiated', 'completed', 'ringing', 'in-progress'];
    let current: NormalizedCallStatus | undefined;
    for (const next of arrivals) if (isStatusAdvance(current, next)) current = next;
    expect(current).toBe('completed');
  });
});

describe('mapCarrierStatus (reference §11.2 carrier status mapping)', () => {
  it.each([
    ['completed', 'completed', 'ANSWERED', 'COMPLETED'],
    ['no-answer', 'no-answer', 'NOT_ANSWERED', 'NO_ANSWER'],
    ['busy', 'busy', 'NOT_ANSWERED', 'BUSY'],
    ['failed', 'failed', 'NOT_ANSWERED', 'FAILED'],
    ['cancel', 'canceled', 'NOT_ANSWERED', 'CANCELED'],
    ['canceled', 'canceled', 'NOT_ANSWERED', 'CANCELED'],
    ['cancelled', 'canceled', 'NOT_ANSWERED', 'CANCELED'],
    ['timeout', 'no-answer', 'NOT_ANSWERED', 'TIMEOUT'],
    ['in-progress', 'in-progress', 'ANSWERED', null],
    ['answered', 'in-progress', 'ANSWERED', null],
    ['ringing', 'ringing', 'UNKNOWN', null],
    ['initiated', 'initiated', 'UNKNOWN', null],
    ['queued', 'queued', 'UNKNOWN', null],
    ['Completed', 'completed', 'ANSWERED', 'COMPLETED'],
  ])('%s → %s, %s, %s', (word, status, providerStatus, reason) => {
    const mapped = mapCarrierStatus(word, 'CAUSE');
    expect(mapped.status).toBe(status);
    expect(mapped.facts).toEqual({
      provider_status: providerStatus,
      provider_reason: reason,
      provider_hangup_cause: 'CAUSE',
    });
  });

  it('maps anything unknown to NOT_ANSWERED with no reason', () => {
    const mapped = mapCarrierStatus('exploded', null);
    expect(mapped).toEqual({
      status: 'failed',
      known: false,
      facts: { provider_status: 'NOT_ANSWERED', provider_reason: null, provider_hangup_cause: null },
    });
    expect(mapCarrierStatus('constructor', null).known).toBe(false);
  });
});
