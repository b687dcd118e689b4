import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe('DevCycle configuration', () => {
  it('is off by default, with the SDK defaults for the CDN', () => {
    expect(loadConfig({}).devcycle).toEqual({
      serverKey: undefined,
      webhookSecret: undefined,
      configUrl: 'https://config-cdn.devcycle.com',
      pollIntervalSeconds: 10,
      requestTimeoutMs: 5000,
      syncIntervalMs: 1000,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      DEVCYCLE_SERVER_KEY: 'dvc_server_abc-123',
      DEVCYCLE_WEBHOOK_SECRET: 'a'.repeat(32),
      DEVCYCLE_CONFIG_URL: 'http://127.0.0.1:9000/cdn/',
      DEVCYCLE_POLL_INTERVAL_SECONDS: '30',
      DEVCYCLE_REQUEST_TIMEOUT_MS: '2000',
      FLAG_SYNC_INTERVAL_MS: '250',
    });
    expect(config.devcycle).toEqual({
      serverKey: 'dvc_server_abc-123',
      webhookSecret: 'a'.repeat(32),
      configUrl: 'http://127.0.0.1:9000/cdn',
      pollIntervalSeconds: 30,
      requestTimeoutMs: 2000,
      syncIntervalMs: 250,
    });
  });

  it('refuses a guessable or URL-unsafe webhook secret and bad numbers, naming each variable', () => {
    expect(problems({ DEVCYCLE_WEBHOOK_SECRET: 'short' })).toEqual([expect.stringMatching(/^DEVCYCLE_WEBHOOK_SECRET: .*16-256/)]);
    expect(problems({ DEVCYCLE_WEBHOOK_SECRET: 'has/a/slash/in/it/x' })).toHaveLength(1);
    const many = problems({ DEVCYCLE_CONFIG_URL: 'ftp://cdn', DEVCYCLE_POLL_INTERVAL_SECONDS: '0', FLAG_SYNC_INTERVAL_MS: 'fast', DEVCYCLE_SERVER_KEY: 'a b' });
    expect(many.map((p) => p.split(':')[0]).sort()).toEqual([
      'DEVCYCLE_CONFIG_URL',
      'DEVCYCLE_POLL_INTERVAL_SECONDS',
      'DEVCYCLE_SERVER_KEY',
      'FLAG_SYNC_INTERVAL_MS',
    ]);
  });
});
