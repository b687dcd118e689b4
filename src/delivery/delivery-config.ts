/**
 * The delivery engine's environment variables, validated with the rest of the configuration
 * (src/config/config.ts spreads `deliveryEnv` into its schema and calls `deliveryConfigFrom`).
 * Defaults, with units, are in DEFAULTS; the README lists every variable.
 */
import { z } from 'zod';
import { parseRetryPolicy, STANDARD_POLICY, type RetryPolicy } from './retry-policy.ts';

const DEFAULTS = {
  connectTimeoutMs: 5_000, // DNS + TCP + TLS
  totalTimeoutMs: 15_000, // whole exchange; Svix counts only a 2xx within 15 s as success
  concurrency: 512, // messages one process holds at once (in flight + waiting for their destination)
  destinationConcurrency: 64, // requests in flight to one origin (scheme://host:port)
  pollIntervalMs: 250, // how often an idle worker looks for due messages enqueued by other nodes
  breakerFailures: 5, // consecutive failures (timeouts, connect errors, 429, 5xx) that open a circuit
  breakerCooldownMs: 30_000, // an open circuit lets one probe through after this long
  secretGraceSeconds: 24 * 3600, // a rotated-out signing secret keeps signing this long
  maxGraceSeconds: 7 * 24 * 3600,
} as const;

export type DeliveryConfig = {
  /** False on API-only nodes: messages are still written, other nodes deliver them. */
  workerEnabled: boolean;
  retryPolicy: RetryPolicy;
  connectTimeoutMs: number;
  totalTimeoutMs: number;
  /** CIDRs exempt from the SSRF block list (development and tests only). */
  allowPrivateNetworks: string[];
  httpsOnly: boolean;
  concurrency: number;
  destinationConcurrency: number;
  /** A claimed message is re-claimed by any worker this long after its claim if not settled. */
  leaseMs: number;
  pollIntervalMs: number;
  breakerFailures: number;
  breakerCooldownMs: number;
  secretGraceSeconds: number;
  maxGraceSeconds: number;
};

const whole = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be between ${min} and ${max}`);

const flag = (name: string) =>
  z
    .string()
    .regex(/^(true|false|1|0)$/i, `${name} must be true or false`)
    .transform((v) => v === '1' || v.toLowerCase() === 'true');

const checked = <T>(parse: (raw: string) => T) =>
  z.string().transform((raw, ctx) => {
    try {
      return parse(raw);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });

export const deliveryEnv = {
  WEBHOOK_WORKER_ENABLED: flag('WEBHOOK_WORKER_ENABLED').optional(),
  WEBHOOK_RETRY_POLICY: checked(parseRetryPolicy).optional(),
  WEBHOOK_CONNECT_TIMEOUT_MS: whole('WEBHOOK_CONNECT_TIMEOUT_MS', 100, 120_000).optional(),
  WEBHOOK_TIMEOUT_MS: whole('WEBHOOK_TIMEOUT_MS', 100, 300_000).optional(),
  WEBHOOK_HTTPS_ONLY: flag('WEBHOOK_HTTPS_ONLY').optional(),
  WEBHOOK_CONCURRENCY: whole('WEBHOOK_CONCURRENCY', 1, 100_000).optional(),
  WEBHOOK_DESTINATION_CONCURRENCY: whole('WEBHOOK_DESTINATION_CONCURRENCY', 1, 10_000).optional(),
  WEBHOOK_LEASE_MS: whole('WEBHOOK_LEASE_MS', 200, 3_600_000).optional(),
  WEBHOOK_POLL_INTERVAL_MS: whole('WEBHOOK_POLL_INTERVAL_MS', 5, 60_000).optional(),
  WEBHOOK_BREAKER_FAILURES: whole('WEBHOOK_BREAKER_FAILURES', 1, 1_000).optional(),
  WEBHOOK_BREAKER_COOLDOWN_MS: whole('WEBHOOK_BREAKER_COOLDOWN_MS', 0, 3_600_000).optional(),
  WEBHOOK_SECRET_GRACE_SECONDS: whole('WEBHOOK_SECRET_GRACE_SECONDS', 0, DEFAULTS.maxGraceSeconds).optional(),
};

type DeliveryEnv = { [K in keyof typeof deliveryEnv]?: z.output<(typeof deliveryEnv)[K]> } & {
  /** Validated by config.ts, which shares it with the other callers of customer URLs. */
  OUTBOUND_ALLOW_PRIVATE_NETWORKS?: string[];
};

export function deliveryConfigFrom(values: DeliveryEnv): DeliveryConfig {
  const connectTimeoutMs = values.WEBHOOK_CONNECT_TIMEOUT_MS ?? DEFAULTS.connectTimeoutMs;
  const totalTimeoutMs = values.WEBHOOK_TIMEOUT_MS ?? DEFAULTS.totalTimeoutMs;
  const destinationConcurrency = values.WEBHOOK_DESTINATION_CONCURRENCY ?? DEFAULTS.destinationConcurrency;
  return {
    workerEnabled: values.WEBHOOK_WORKER_ENABLED ?? true,
    retryPolicy: values.WEBHOOK_RETRY_POLICY ?? STANDARD_POLICY,
    connectTimeoutMs,
    totalTimeoutMs,
    allowPrivateNetworks: values.OUTBOUND_ALLOW_PRIVATE_NETWORKS ?? [],
    httpsOnly: values.WEBHOOK_HTTPS_ONLY ?? false,
    concurrency: Math.max(values.WEBHOOK_CONCURRENCY ?? DEFAULTS.concurrency, 1),
    destinationConcurrency,
    // Long enough that a claimed message waiting for its destination, then timing out, is
    // still ours when we record the result: two full exchanges plus the connect budget. Never
    // shorter than one exchange plus 2 s, or the worker could not start any request.
    leaseMs: Math.max(values.WEBHOOK_LEASE_MS ?? 2 * totalTimeoutMs + connectTimeoutMs + 10_000, totalTimeoutMs + 2_000),
    pollIntervalMs: values.WEBHOOK_POLL_INTERVAL_MS ?? DEFAULTS.pollIntervalMs,
    breakerFailures: values.WEBHOOK_BREAKER_FAILURES ?? DEFAULTS.breakerFailures,
    breakerCooldownMs: values.WEBHOOK_BREAKER_COOLDOWN_MS ?? DEFAULTS.breakerCooldownMs,
    secretGraceSeconds: values.WEBHOOK_SECRET_GRACE_SECONDS ?? DEFAULTS.secretGraceSeconds,
    maxGraceSeconds: DEFAULTS.maxGraceSeconds,
  };
}
