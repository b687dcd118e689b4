/**
 * Feature flags and run-time knobs. Resolution order (reference §19): DevCycle → environment
 * variable of the same name upper-cased → the default given at the call site. A lookup never
 * throws and never waits on the network.
 */
export type FlagValue = string | number | boolean;
export type FlagSource = 'devcycle' | 'env' | 'default';

export type FlagStore = {
  boolean(name: string, defaultValue: boolean): boolean;
  number(name: string, defaultValue: number): number;
  string(name: string, defaultValue: string): string;
  /** Each known flag with its value and where it came from (for `GET /flags`). */
  describe(): { name: string; value: FlagValue; source: FlagSource }[];
};

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/** Flags from the environment only: what Buddy runs on when DevCycle is absent or down. */
export function createEnvFlagStore(env: Record<string, string | undefined> = process.env): FlagStore {
  const seen = new Map<string, { value: FlagValue; source: FlagSource }>();
  const lookup = <T extends FlagValue>(name: string, fallback: T, parse: (raw: string) => T | undefined): T => {
    const raw = env[name.toUpperCase()];
    const parsed = raw === undefined ? undefined : parse(raw.trim());
    const resolved = parsed === undefined ? { value: fallback, source: 'default' as const } : { value: parsed, source: 'env' as const };
    seen.set(name, resolved);
    return resolved.value;
  };
  return {
    boolean: (name, d) => lookup(name, d, (raw) => (TRUE.has(raw.toLowerCase()) ? true : FALSE.has(raw.toLowerCase()) ? false : undefined)),
    number: (name, d) => lookup(name, d, (raw) => (raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : undefined)),
    string: (name, d) => lookup(name, d, (raw) => raw),
    describe: () => [...seen.entries()].map(([name, v]) => ({ name, ...v })).sort((a, b) => a.name.localeCompare(b.name)),
  };
}
