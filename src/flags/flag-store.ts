/**
 * Feature flags and run-time knobs. Resolution order (reference §19): DevCycle → environment
 * variable of the same name upper-cased → the default given at the call site. A lookup never
 * throws and never waits on the network.
 *
 * DevCycle variable keys are lower-case only, so a flag is looked up in DevCycle under its name
 * lower-cased (`OUTBOUND_RATE_LIMIT_MAX_CALLS` → `outbound_rate_limit_max_calls`) and in the
 * environment upper-cased (`bb_dispatch_enabled` → `BB_DISPATCH_ENABLED`).
 */
import { KNOWN_FLAGS } from './known-flags.ts';

export type FlagValue = string | number | boolean;
export type FlagType = 'boolean' | 'number' | 'string';
export type FlagSource = 'devcycle' | 'env' | 'default';

export type FlagStore = {
  boolean(name: string, defaultValue: boolean): boolean;
  number(name: string, defaultValue: number): number;
  string(name: string, defaultValue: string): string;
  /** Each known flag with its value and where it came from (for `GET /flags`). */
  describe(): { name: string; value: FlagValue; source: FlagSource }[];
};

/** What the DevCycle side offers the store; `undefined` = no value of that type there. */
export type RemoteFlags = {
  get(key: string, type: FlagType): FlagValue | undefined;
  /** Every variable the remote source defines, to show in `describe()`. */
  list(): { key: string; type: FlagType }[];
};

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

const PARSERS: { [T in FlagType]: (raw: string) => FlagValue | undefined } = {
  boolean: (raw) => (TRUE.has(raw.toLowerCase()) ? true : FALSE.has(raw.toLowerCase()) ? false : undefined),
  number: (raw) => (raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : undefined),
  string: (raw) => raw,
};

export type FlagStoreOptions = {
  env?: Record<string, string | undefined>;
  remote?: RemoteFlags;
  /** Called when the remote source throws, which it should not; the lookup falls back anyway. */
  onRemoteError?: (err: unknown, name: string) => void;
};

export function createFlagStore(options: FlagStoreOptions = {}): FlagStore {
  const env = options.env ?? process.env;
  const { remote } = options;
  // Every flag asked for, so `describe()` can show current values (re-resolved), not only the
  // known ones. Known flags keep their declared type and default; others, their first call's.
  const asked = new Map<string, { type: FlagType; fallback: FlagValue }>(
    KNOWN_FLAGS.map((f) => [f.name, { type: f.type, fallback: f.defaultValue }]),
  );

  const resolve = (name: string, type: FlagType, fallback: FlagValue): { value: FlagValue; source: FlagSource } => {
    if (remote) {
      try {
        const value = remote.get(name.toLowerCase(), type);
        if (value !== undefined && typeof value === type) return { value, source: 'devcycle' };
      } catch (err) {
        options.onRemoteError?.(err, name);
      }
    }
    const raw = env[name.toUpperCase()];
    const parsed = raw === undefined ? undefined : PARSERS[type](raw.trim());
    return parsed === undefined ? { value: fallback, source: 'default' } : { value: parsed, source: 'env' };
  };

  const lookup = <T extends FlagValue>(name: string, type: FlagType, fallback: T): T => {
    if (!asked.has(name)) asked.set(name, { type, fallback });
    return resolve(name, type, fallback).value as T;
  };

  return {
    boolean: (name, d) => lookup(name, 'boolean', d),
    number: (name, d) => lookup(name, 'number', d),
    string: (name, d) => lookup(name, 'string', d),
    describe() {
      const rows = [...asked.entries()].map(([name, { type, fallback }]) => ({ name, ...resolve(name, type, fallback) }));
      const shown = new Set(rows.map((r) => r.name.toLowerCase()));
      let extra: { key: string; type: FlagType }[] = [];
      try {
        extra = remote?.list() ?? [];
      } catch (err) {
        options.onRemoteError?.(err, '*');
      }
      for (const { key, type } of extra) {
        if (shown.has(key)) continue;
        const fallback = type === 'boolean' ? false : type === 'number' ? 0 : '';
        rows.push({ name: key, ...resolve(key, type, fallback) });
      }
      return rows.sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}

/** Flags from the environment only: what Buddy runs on when DevCycle is absent. */
export function createEnvFlagStore(env: Record<string, string | undefined> = process.env): FlagStore {
  return createFlagStore({ env });
}
