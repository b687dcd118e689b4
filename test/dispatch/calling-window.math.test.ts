import { describe, expect, it } from 'vitest';
import { isWindowOpen, nextWindowOpening, type CallingWindow } from '../../src/dispatch/calling-window.ts';

const at = (iso: string) => Date.parse(iso);
const opening = (w: CallingWindow, iso: string) => {
  const next = nextWindowOpening(w, at(iso));
  return next === null ? null : new Date(next).toISOString();
};

describe('calling window: same-day window in a zone east of UTC', () => {
  const ist: CallingWindow = { start: '09:00', end: '21:00', timeZone: 'Asia/Kolkata' };
  it('is closed before the start and opens at 09:00 IST (03:30 UTC)', () => {
    expect(opening(ist, '2026-01-15T03:00:00Z')).toBe('2026-01-15T03:30:00.000Z');
  });
  it('is open from the start inclusive to the end exclusive', () => {
    expect(isWindowOpen(ist, at('2026-01-15T03:30:00Z'))).toBe(true);
    expect(opening(ist, '2026-01-15T15:29:59Z')).toBeNull();
    expect(isWindowOpen(ist, at('2026-01-15T15:30:00Z'))).toBe(false);
  });
  it('after the end it opens at tomorrow’s start', () => {
    expect(opening(ist, '2026-01-15T15:30:00Z')).toBe('2026-01-16T03:30:00.000Z');
  });
  it('the local date, not the UTC date, decides "tomorrow"', () => {
    const tokyo: CallingWindow = { start: '08:00', end: '20:00', timeZone: 'Asia/Tokyo' };
    expect(opening(tokyo, '2026-01-15T11:30:00Z')).toBe('2026-01-15T23:00:00.000Z'); // 20:30 JST → 08:00 JST on the 16th
    expect(opening(tokyo, '2026-01-15T23:30:00Z')).toBeNull(); // 08:30 JST on the 16th
  });
});

describe('calling window: across midnight', () => {
  const night: CallingWindow = { start: '21:00', end: '06:00', timeZone: 'UTC' };
  it('is open late in the evening and early in the morning', () => {
    expect(opening(night, '2026-01-15T22:00:00Z')).toBeNull();
    expect(opening(night, '2026-01-16T05:59:59Z')).toBeNull();
  });
  it('closes at the end and opens again the same evening', () => {
    expect(opening(night, '2026-01-16T06:00:00Z')).toBe('2026-01-16T21:00:00.000Z');
    expect(opening(night, '2026-01-16T12:00:00Z')).toBe('2026-01-16T21:00:00.000Z');
  });
  it('crosses midnight in the template’s zone, not in UTC', () => {
    const ny: CallingWindow = { start: '22:00', end: '02:00', timeZone: 'America/New_York' };
    expect(opening(ny, '2026-01-16T04:00:00Z')).toBeNull(); // 23:00 EST
    expect(opening(ny, '2026-01-16T06:30:00Z')).toBeNull(); // 01:30 EST
    expect(opening(ny, '2026-01-16T07:00:00Z')).toBe('2026-01-17T03:00:00.000Z'); // 02:00 EST → 22:00 EST
  });
});

describe('calling window: edge cases', () => {
  it('start == end means open all day', () => {
    const always: CallingWindow = { start: '00:00', end: '00:00', timeZone: 'Asia/Kolkata' };
    for (const iso of ['2026-01-15T00:00:00Z', '2026-01-15T18:29:59Z', '2026-06-30T23:59:59Z']) expect(opening(always, iso)).toBeNull();
  });
  it('accepts HH:MM:SS', () => {
    const w: CallingWindow = { start: '09:00:30', end: '17:00:00', timeZone: 'UTC' };
    expect(opening(w, '2026-01-15T09:00:10Z')).toBe('2026-01-15T09:00:30.000Z');
  });
  it('uses the offset in force on the day of the opening (US spring forward, 2026-03-08)', () => {
    const ny: CallingWindow = { start: '09:00', end: '17:00', timeZone: 'America/New_York' };
    // Saturday 18:00 EST; Sunday 09:00 is EDT (UTC-4).
    expect(opening(ny, '2026-03-07T23:00:00Z')).toBe('2026-03-08T13:00:00.000Z');
  });
  it('a start inside the skipped hour opens when the clock jumps', () => {
    const ny: CallingWindow = { start: '02:30', end: '05:00', timeZone: 'America/New_York' };
    // 01:00 EST; 02:30 does not exist that night, the clock goes 01:59:59 → 03:00 EDT (07:00 UTC).
    expect(opening(ny, '2026-03-08T06:00:00Z')).toBe('2026-03-08T07:00:00.000Z');
  });
  it('a start inside the repeated hour opens at its first occurrence (2026-11-01)', () => {
    const ny: CallingWindow = { start: '01:30', end: '05:00', timeZone: 'America/New_York' };
    expect(opening(ny, '2026-11-01T04:00:00Z')).toBe('2026-11-01T05:30:00.000Z'); // 00:00 EDT → 01:30 EDT
  });
});
