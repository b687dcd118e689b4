import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';
import { REFERENCE_POLICY, STANDARD_POLICY } from '../../src/delivery/retry-policy.ts';

describe('delivery configuration from the environment', () => {
  it('defaults: standard policy, 5 s connect / 15 s total timeouts, no private networks, worker on', () => {
    const { delivery } = loadConfig({});
    expect(delivery).toMatchObject({
      workerEnabled: true,
      retryPolicy: STANDARD_POLICY,
      connectTimeoutMs: 5_000,
      totalTimeoutMs: 15_000,
      allowPrivateNetworks: [],
      concurrency: 512,
      destinationConcurrency: 64,
      pollIntervalMs: 250,
      secretGraceSeconds: 86_400,
    });
    expect(delivery.leaseMs).toBe(2 * 15_000 + 5_000 + 10_000);
  });

  it('reads every variable', () => {
    const { delivery } = loadConfig({
      WEBHOOK_RETRY_POLICY: 'reference',
      WEBHOOK_CONNECT_TIMEOUT_MS: '1000',
      WEBHOOK_TIMEOUT_MS: '3000',
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8, ::1/128',
      WEBHOOK_WORKER_ENABLED: 'false',
      WEBHOOK_CONCURRENCY: '100',
      WEBHOOK_DESTINATION_CONCURRENCY: '10',
      WEBHOOK_LEASE_MS: '60000',
      WEBHOOK_POLL_INTERVAL_MS: '50',
      WEBHOOK_BREAKER_FAILURES: '3',
      WEBHOOK_BREAKER_COOLDOWN_MS: '5000',
      WEBHOOK_SECRET_GRACE_SECONDS: '600',
      WEBHOOK_HTTPS_ONLY: 'true',
    });
    expect(delivery).toMatchObject({
      retryPolicy: REFERENCE_POLICY,
      connectTimeoutMs: 1000,
      totalTimeoutMs: 3000,
      allowPrivateNetworks: ['127.0.0.0/8', '::1/128'],
      workerEnabled: false,
      concurrency: 100,
      destinationConcurrency: 10,
      leaseMs: 60_000,
      pollIntervalMs: 50,
      breakerFailures: 3,
      breakerCooldownMs: 5000,
      secretGraceSeconds: 600,
      httpsOnly: true,
    });
    expect(loadConfig({ WEBHOOK_RETRY_POLICY: '0,5s,5m,30m' }).delivery.retryPolicy.scheduleSeconds).toEqual([5, 300, 1800]);
  });

  it('never leases for less than one exchange plus 2 s', () => {
    expect(loadConfig({ WEBHOOK_TIMEOUT_MS: '10000', WEBHOOK_LEASE_MS: '1000' }).delivery.leaseMs).toBe(12_000);
  });

  it('names each bad variable', () => {
    let error: unknown;
    try {
      loadConfig({ WEBHOOK_RETRY_POLICY: 'sometimes', WEBHOOK_TIMEOUT_MS: 'fast', WEBHOOK_WORKER_ENABLED: 'maybe', WEBHOOK_SECRET_GRACE_SECONDS: '9999999' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/WEBHOOK_RETRY_POLICY: invalid retry policy "sometimes"/);
    for (const name of ['WEBHOOK_TIMEOUT_MS', 'WEBHOOK_WORKER_ENABLED', 'WEBHOOK_SECRET_GRACE_SECONDS']) expect(problems).toContain(name);
  });
});
