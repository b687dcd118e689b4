/**
 * Configuration from the environment, validated once at start.
 *
 * Every knob has one default here, with its unit. A bad value stops the process with one
 * line per bad variable, naming it, instead of failing later in a confusing place.
 */
import { z } from 'zod';
import { parseCidr } from '../delivery/ip-policy.ts';
import { deliveryConfigFrom, deliveryEnv, type DeliveryConfig } from '../delivery/delivery-config.ts';
import { telephonyConfigFrom, telephonyEnv, type TelephonySettings } from '../telephony/telephony-config.ts';
import { dispatchConfigFrom, dispatchEnv, type DispatchConfig } from '../dispatch/dispatch-config.ts';

const DEFAULTS = {
  port: 8080,
  apiPrefix: '/agent/voice/breeze-buddy',
  sqlitePath: './data/buddy.sqlite',
  accessTokenTtlSeconds: 12 * 3600, // login tokens; S2S tokens live until revoked
  bodyLimitBytes: 1024 * 1024, // larger request bodies are refused with 413
  idempotencyTtlSeconds: 24 * 3600, // an Idempotency-Key replays its first response this long
  logLevel: 'info',
  llmTimeoutMs: 30_000, // one chat-completions request; the caller waits in silence meanwhile
  devcycleConfigUrl: 'https://config-cdn.devcycle.com', // the SDK's config CDN
  devcyclePollIntervalSeconds: 10, // each process re-reads the CDN this often (the SDK's default)
  devcycleRequestTimeoutMs: 5000, // one CDN request, and the longest a first boot waits for flags
  flagSyncIntervalMs: 1000, // each process checks the shared flag_config version this often
} as const;

/** Feature flags from DevCycle (src/flags); without a server key flags come from the environment. */
export type DevCycleConfig = {
  serverKey: string | undefined;
  webhookSecret: string | undefined;
  configUrl: string;
  pollIntervalSeconds: number;
  requestTimeoutMs: number;
  syncIntervalMs: number;
};

/** The default chat-completions endpoint of the conversation engine; templates may override it. */
export type LlmConfig = { baseUrl: string | undefined; apiKey: string | undefined; model: string | undefined; timeoutMs: number };

export type DatabaseConfig = { dialect: 'sqlite'; path: string } | { dialect: 'postgres'; url: string };

export type Config = {
  port: number;
  host: string;
  publicBaseUrl: string;
  apiPrefix: string;
  database: DatabaseConfig;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  jwtSecret: string | undefined;
  accessTokenTtlSeconds: number;
  bodyLimitBytes: number;
  idempotencyTtlSeconds: number;
  logLevel: string;
  llm: LlmConfig;
  /** CIDRs customer URLs may reach despite the SSRF guard (development and tests only). */
  outboundAllowPrivateNetworks: string[];
  devcycle: DevCycleConfig;
  /** Outbound webhooks: worker, retry policy, timeouts, concurrency (src/delivery/delivery-config.ts). */
  delivery: DeliveryConfig;
  /** Provider credentials, REST base URLs and the emulator switch (src/telephony/telephony-config.ts). */
  telephony: TelephonySettings;
  /** The dispatcher and its sweeper: tick, batch, concurrency, leases (src/dispatch/dispatch-config.ts). */
  dispatch: DispatchConfig;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const integer = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be between ${min} and ${max}`);

const url = (name: string) =>
  z.string().refine((value) => {
    try {
      const parsed = new URL(value);
      return parsed.protocol === 'http:' || parsed.protocol === 'https:';
    } catch {
      return false;
    }
  }, `${name} must be an absolute http(s) URL`);

const isCidr = (text: string): boolean => {
  try {
    parseCidr(text);
    return true;
  } catch {
    return false;
  }
};

const envSchema = z.object({
  PORT: integer('PORT', 0, 65535).optional(),
  HOST: z.string().min(1).optional(),
  PUBLIC_BASE_URL: url('PUBLIC_BASE_URL').optional(),
  API_PREFIX: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'API_PREFIX must look like /a/b (leading slash, no trailing slash)')
    .optional(),
  DATABASE_URL: z.string().min(1).optional(),
  BUDDY_ADMIN_EMAIL: z.string().email('BUDDY_ADMIN_EMAIL must be an email address').optional(),
  BUDDY_ADMIN_PASSWORD: z.string().min(8, 'BUDDY_ADMIN_PASSWORD must be at least 8 characters').optional(),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  ACCESS_TOKEN_TTL_SECONDS: integer('ACCESS_TOKEN_TTL_SECONDS', 60, 30 * 86400).optional(),
  BODY_LIMIT_BYTES: integer('BODY_LIMIT_BYTES', 1024, 64 * 1024 * 1024).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  LLM_BASE_URL: url('LLM_BASE_URL').optional(),
  LLM_API_KEY: z.string().min(1).optional(),
  LLM_MODEL: z.string().min(1).optional(),
  LLM_TIMEOUT_MS: integer('LLM_TIMEOUT_MS', 1000, 300_000).optional(),
  OUTBOUND_ALLOW_PRIVATE_NETWORKS: z
    .string()
    .transform((list) => list.split(',').map((c) => c.trim()).filter(Boolean))
    .refine((cidrs) => cidrs.every(isCidr), 'OUTBOUND_ALLOW_PRIVATE_NETWORKS must be comma-separated CIDRs, e.g. 127.0.0.0/8,::1/128')
    .optional(),
  DEVCYCLE_SERVER_KEY: z.string().regex(/^[A-Za-z0-9_.-]{1,256}$/, 'DEVCYCLE_SERVER_KEY must be a DevCycle server SDK key').optional(),
  // It travels in a URL path (DevCycle webhooks cannot set headers), so: URL-safe and unguessable.
  DEVCYCLE_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_.~-]{16,256}$/, 'DEVCYCLE_WEBHOOK_SECRET must be 16-256 URL-safe characters (A-Z a-z 0-9 _ . ~ -)')
    .optional(),
  DEVCYCLE_CONFIG_URL: url('DEVCYCLE_CONFIG_URL').optional(),
  DEVCYCLE_POLL_INTERVAL_SECONDS: integer('DEVCYCLE_POLL_INTERVAL_SECONDS', 1, 86400).optional(),
  DEVCYCLE_REQUEST_TIMEOUT_MS: integer('DEVCYCLE_REQUEST_TIMEOUT_MS', 100, 60000).optional(),
  FLAG_SYNC_INTERVAL_MS: integer('FLAG_SYNC_INTERVAL_MS', 50, 60000).optional(),
  ...deliveryEnv,
  ...telephonyEnv,
  ...dispatchEnv,
});

function parseDatabase(value: string | undefined): DatabaseConfig | string {
  if (value === undefined || value === '') return { dialect: 'sqlite', path: DEFAULTS.sqlitePath };
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) return { dialect: 'postgres', url: value };
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length).replace(/^\/\//, '');
    return path ? { dialect: 'sqlite', path } : 'DATABASE_URL sqlite: needs a file path, e.g. sqlite:./data/buddy.sqlite';
  }
  return 'DATABASE_URL must be a postgres:// URL or sqlite:<path>';
}

/** Reads the environment once; throws ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const blankToUndefined = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
  const parsed = envSchema.safeParse(blankToUndefined);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${String(issue.path[0])}: ${issue.message}`);
  const database = parseDatabase(blankToUndefined.DATABASE_URL);
  if (typeof database === 'string') problems.push(`DATABASE_URL: ${database}`);
  const values = parsed.success ? parsed.data : ({} as z.infer<typeof envSchema>);
  if (Boolean(values.BUDDY_ADMIN_EMAIL) !== Boolean(values.BUDDY_ADMIN_PASSWORD) && parsed.success) {
    problems.push('BUDDY_ADMIN_EMAIL and BUDDY_ADMIN_PASSWORD must be set together');
  }
  if (problems.length > 0 || typeof database === 'string') throw new ConfigError(problems);

  const port = values.PORT ?? DEFAULTS.port;
  return {
    port,
    host: values.HOST ?? '0.0.0.0',
    publicBaseUrl: (values.PUBLIC_BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    apiPrefix: values.API_PREFIX ?? DEFAULTS.apiPrefix,
    database,
    adminEmail: values.BUDDY_ADMIN_EMAIL,
    adminPassword: values.BUDDY_ADMIN_PASSWORD,
    jwtSecret: values.JWT_SECRET,
    accessTokenTtlSeconds: values.ACCESS_TOKEN_TTL_SECONDS ?? DEFAULTS.accessTokenTtlSeconds,
    bodyLimitBytes: values.BODY_LIMIT_BYTES ?? DEFAULTS.bodyLimitBytes,
    idempotencyTtlSeconds: DEFAULTS.idempotencyTtlSeconds,
    logLevel: values.LOG_LEVEL ?? DEFAULTS.logLevel,
    llm: { baseUrl: values.LLM_BASE_URL?.replace(/\/+$/, ''), apiKey: values.LLM_API_KEY, model: values.LLM_MODEL, timeoutMs: values.LLM_TIMEOUT_MS ?? DEFAULTS.llmTimeoutMs },
    outboundAllowPrivateNetworks: values.OUTBOUND_ALLOW_PRIVATE_NETWORKS ?? [],
    devcycle: {
      serverKey: values.DEVCYCLE_SERVER_KEY,
      webhookSecret: values.DEVCYCLE_WEBHOOK_SECRET,
      configUrl: (values.DEVCYCLE_CONFIG_URL ?? DEFAULTS.devcycleConfigUrl).replace(/\/+$/, ''),
      pollIntervalSeconds: values.DEVCYCLE_POLL_INTERVAL_SECONDS ?? DEFAULTS.devcyclePollIntervalSeconds,
      requestTimeoutMs: values.DEVCYCLE_REQUEST_TIMEOUT_MS ?? DEFAULTS.devcycleRequestTimeoutMs,
      syncIntervalMs: values.FLAG_SYNC_INTERVAL_MS ?? DEFAULTS.flagSyncIntervalMs,
    },
    delivery: deliveryConfigFrom(values),
    telephony: telephonyConfigFrom(values),
    dispatch: dispatchConfigFrom(values),
  };
}
