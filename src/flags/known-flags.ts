/**
 * The flags Buddy reads, with their types and defaults, and typed readers for the callers
 * (dispatcher, delivery workers). Callers read a flag each time they need it (each dispatcher
 * tick, each delivery) rather than caching it, so a DevCycle change takes effect within seconds.
 *
 * Defaults follow the reference (§6 kill switch, §8 outbound rate limit); `webhook_retry_policy`
 * is ours (src/delivery/retry-policy.ts).
 */
import type { FlagStore, FlagType, FlagValue } from './flag-store.ts';
import { parseRetryPolicy, STANDARD_POLICY, type RetryPolicy } from '../delivery/retry-policy.ts';

export type KnownFlag = { name: string; type: FlagType; defaultValue: FlagValue; description: string };

export const KNOWN_FLAGS: readonly KnownFlag[] = Object.freeze([
  {
    name: 'bb_dispatch_enabled',
    type: 'boolean',
    defaultValue: true,
    description: 'kill switch: false stops the dispatcher from claiming and dialling leads',
  },
  {
    name: 'OUTBOUND_RATE_LIMIT_MAX_CALLS',
    type: 'number',
    defaultValue: 7,
    description: 'calls to one destination number allowed per window',
  },
  {
    name: 'OUTBOUND_RATE_LIMIT_WINDOW_SECONDS',
    type: 'number',
    defaultValue: 3600,
    description: 'length of the outbound rate-limit window',
  },
  {
    name: 'OUTBOUND_RATE_LIMIT_BLOCK_ENABLED',
    type: 'boolean',
    defaultValue: false,
    description: 'true blocks a call over the limit; false only alerts and lets it go ahead',
  },
  {
    name: 'webhook_retry_policy',
    type: 'string',
    defaultValue: STANDARD_POLICY.name,
    description: 'retry schedule of outbound webhooks: standard, reference, or a list like 0,5s,5m,30m',
  },
] satisfies KnownFlag[]);

/** The dispatch kill switch (`bb_dispatch_enabled`, env `BB_DISPATCH_ENABLED`). */
export function dispatchEnabled(flags: FlagStore): boolean {
  return flags.boolean('bb_dispatch_enabled', true);
}

export type OutboundRateLimit = { maxCalls: number; windowSeconds: number; blockEnabled: boolean };

/** The global outbound rate-limit knobs; nonsense values (negative, fractional) fall back to the defaults. */
export function outboundRateLimit(flags: FlagStore): OutboundRateLimit {
  const maxCalls = flags.number('OUTBOUND_RATE_LIMIT_MAX_CALLS', 7);
  const windowSeconds = flags.number('OUTBOUND_RATE_LIMIT_WINDOW_SECONDS', 3600);
  return {
    maxCalls: Number.isInteger(maxCalls) && maxCalls >= 0 ? maxCalls : 7,
    windowSeconds: Number.isInteger(windowSeconds) && windowSeconds > 0 ? windowSeconds : 3600,
    blockEnabled: flags.boolean('OUTBOUND_RATE_LIMIT_BLOCK_ENABLED', false),
  };
}

const reportedBadPolicies = new Set<string>();

/**
 * The outbound webhook retry policy (`webhook_retry_policy`). A value that does not parse falls
 * back to the standard policy, reported once per distinct bad value through `onInvalid`.
 */
export function webhookRetryPolicy(flags: FlagStore, onInvalid?: (value: string, err: Error) => void): RetryPolicy {
  const spec = flags.string('webhook_retry_policy', STANDARD_POLICY.name);
  try {
    return parseRetryPolicy(spec);
  } catch (err) {
    if (onInvalid && !reportedBadPolicies.has(spec)) {
      reportedBadPolicies.add(spec);
      onInvalid(spec, err as Error);
    }
    return STANDARD_POLICY;
  }
}
