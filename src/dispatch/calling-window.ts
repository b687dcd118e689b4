/**
 * The calling window of a template: `call_start_time`–`call_end_time` in the config's
 * `timezone` (reference §5.1, §6.1). Pure functions of an instant, so tests pin the clock.
 *
 * - The window is [start, end): a call may start at 09:00:00, not at 21:00:00.
 * - start > end crosses midnight: 21:00–06:00 is open from 21:00 to 06:00 the next morning.
 * - start == end means "no restriction": open all day.
 * - Local times that a DST change skips (02:30 on a spring-forward night) open the window at
 *   the moment the clock jumps; a repeated hour opens it at its first occurrence.
 */
export type CallingWindow = { start: string; end: string; timeZone: string };

const DAY_MS = 86_400_000;
const HALF_DAY_MS = DAY_MS / 2;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

type LocalTime = { year: number; month: number; day: number; second: number };

/** Wall-clock date and second of the day at `ms` in `timeZone`. */
export function localTime(ms: number, timeZone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts;
  return { year, month, day, second: hour * 3600 + minute * 60 + second };
}

/** Seconds of the day of "HH:MM" or "HH:MM:SS". */
export function secondOfDay(hhmm: string): number {
  const [h = 0, m = 0, s = 0] = hhmm.split(':').map(Number);
  return h * 3600 + m * 60 + s;
}

function openAt(second: number, start: number, end: number): boolean {
  if (start === end) return true;
  return start < end ? second >= start && second < end : second >= start || second < end;
}

export function isWindowOpen(window: CallingWindow, ms: number): boolean {
  return openAt(localTime(ms, window.timeZone).second, secondOfDay(window.start), secondOfDay(window.end));
}

/** A wall-clock reading as if it were UTC, so that readings compare as numbers. */
const wallMs = (t: LocalTime): number => Date.UTC(t.year, t.month - 1, t.day) + t.second * 1000;

/** Local offset (ms, local minus UTC) at an instant, whole seconds. */
function offsetAt(ms: number, timeZone: string): number {
  return wallMs(localTime(ms, timeZone)) - Math.floor(ms / 1000) * 1000;
}

/** The first instant at which the wall clock in `timeZone` reads `want` (or passes it, in a DST gap). */
export function zonedInstant(want: LocalTime, timeZone: string): number {
  const naive = wallMs(want);
  // A day has at most one transition, so the offsets half a day either side cover both readings.
  const candidates = [naive - offsetAt(naive - HALF_DAY_MS, timeZone), naive - offsetAt(naive + HALF_DAY_MS, timeZone)].sort((a, b) => a - b);
  const exact = candidates.find((c) => wallMs(localTime(c, timeZone)) === naive);
  if (exact !== undefined) return exact;
  // Skipped by a spring-forward: binary-search the jump between the two readings.
  let [lo, hi] = candidates as [number, number];
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (wallMs(localTime(mid, timeZone)) < naive) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * When the window next opens: `null` when it is open at `ms`, else the instant of the next
 * `start` (today's if still ahead, else tomorrow's) in the window's time zone.
 */
export function nextWindowOpening(window: CallingWindow, ms: number): number | null {
  const now = localTime(ms, window.timeZone);
  const start = secondOfDay(window.start);
  if (openAt(now.second, start, secondOfDay(window.end))) return null;
  if (now.second < start) return zonedInstant({ ...now, second: start }, window.timeZone);
  // Tomorrow's date: noon today plus a day, read back in the zone, avoids DST edge arithmetic.
  const noon = zonedInstant({ ...now, second: 12 * 3600 }, window.timeZone);
  const tomorrow = localTime(noon + DAY_MS, window.timeZone);
  return zonedInstant({ ...tomorrow, second: start }, window.timeZone);
}
