/**
 * The dispatcher's environment variables, validated with the rest of the configuration
 * (src/config/config.ts spreads `dispatchEnv` into its schema and calls `dispatchConfigFrom`).
 */
import { z } from 'zod';

const DEFAULTS = {
  tickMs: 20, // how often an idle dispatcher looks for due leads (a full batch claims again at once); 100 ms gave a p99 of ~430 ms at 500/s, 20 ms gives ~30 ms (bench/dispatch.bench.ts)
  batchSize: 100, // leads claimed per query
  concurrency: 64, // leads one process takes through the gates and the provider request at once
  leaseSeconds: 60, // a claimed lead returns to the schedule this long after its claim if its node died
  sweepIntervalMs: 5_000, // how often the sweeper looks for attempts that lost their call
  reconcileAfterSeconds: 30, // an attempt with no call id this old is looked up (> the provider request timeout)
  stuckAfterSeconds: 600, // a placed call silent this long is asked about (reference: 10 min reaper)
} as const;

export type DispatchConfig = {
  /** False on nodes that should only serve the API: leads are still accepted, other nodes dial. */
  enabled: boolean;
  tickMs: number;
  batchSize: number;
  concurrency: number;
  leaseSeconds: number;
  sweepIntervalMs: number;
  reconcileAfterSeconds: number;
  stuckAfterSeconds: number;
};

const whole = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be between ${min} and ${max}`);

export const dispatchEnv = {
  BUDDY_DISPATCHER_ENABLED: z
    .string()
    .regex(/^(true|false|1|0)$/i, 'BUDDY_DISPATCHER_ENABLED must be true or false')
    .transform((v) => v === '1' || v.toLowerCase() === 'true')
    .optional(),
  BUDDY_DISPATCH_TICK_MS: whole('BUDDY_DISPATCH_TICK_MS', 10, 60_000).optional(),
  BUDDY_DISPATCH_BATCH_SIZE: whole('BUDDY_DISPATCH_BATCH_SIZE', 1, 5_000).optional(),
  BUDDY_DISPATCH_CONCURRENCY: whole('BUDDY_DISPATCH_CONCURRENCY', 1, 10_000).optional(),
  BUDDY_DISPATCH_LEASE_SECONDS: whole('BUDDY_DISPATCH_LEASE_SECONDS', 1, 3_600).optional(),
  BUDDY_DISPATCH_SWEEP_INTERVAL_MS: whole('BUDDY_DISPATCH_SWEEP_INTERVAL_MS', 100, 600_000).optional(),
  BUDDY_DISPATCH_RECONCILE_AFTER_SECONDS: whole('BUDDY_DISPATCH_RECONCILE_AFTER_SECONDS', 1, 86_400).optional(),
  BUDDY_DISPATCH_STUCK_AFTER_SECONDS: whole('BUDDY_DISPATCH_STUCK_AFTER_SECONDS', 10, 7 * 86_400).optional(),
};

type DispatchEnvValues = { [K in keyof typeof dispatchEnv]?: z.output<(typeof dispatchEnv)[K]> };

export function dispatchConfigFrom(values: DispatchEnvValues): DispatchConfig {
  return {
    enabled: values.BUDDY_DISPATCHER_ENABLED ?? true,
    tickMs: values.BUDDY_DISPATCH_TICK_MS ?? DEFAULTS.tickMs,
    batchSize: values.BUDDY_DISPATCH_BATCH_SIZE ?? DEFAULTS.batchSize,
    concurrency: values.BUDDY_DISPATCH_CONCURRENCY ?? DEFAULTS.concurrency,
    leaseSeconds: values.BUDDY_DISPATCH_LEASE_SECONDS ?? DEFAULTS.leaseSeconds,
    sweepIntervalMs: values.BUDDY_DISPATCH_SWEEP_INTERVAL_MS ?? DEFAULTS.sweepIntervalMs,
    reconcileAfterSeconds: values.BUDDY_DISPATCH_RECONCILE_AFTER_SECONDS ?? DEFAULTS.reconcileAfterSeconds,
    stuckAfterSeconds: values.BUDDY_DISPATCH_STUCK_AFTER_SECONDS ?? DEFAULTS.stuckAfterSeconds,
  };
}
