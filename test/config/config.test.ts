import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

describe('configuration from the environment', () => {
  it('has working defaults: port 8080, SQLite under ./data, the reference prefix', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.database).toEqual({ dialect: 'sqlite', path: './data/buddy.sqlite' });
    expect(config.apiPrefix).toBe('/agent/voice/breeze-buddy');
    expect(config.publicBaseUrl).toBe('http://localhost:8080');
  });

  it('reads PostgreSQL URLs, the public base URL and the prefix', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@db/buddy', PORT: '9000', PUBLIC_BASE_URL: 'https://buddy.example.com/', API_PREFIX: '/v1/buddy' });
    expect(config.database).toEqual({ dialect: 'postgres', url: 'postgres://u@db/buddy' });
    expect(config.publicBaseUrl).toBe('https://buddy.example.com');
    expect(config.apiPrefix).toBe('/v1/buddy');
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', PUBLIC_BASE_URL: 'not a url', JWT_SECRET: 'short', BUDDY_ADMIN_EMAIL: 'a@b.co' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'PUBLIC_BASE_URL', 'JWT_SECRET']) expect(problems).toContain(name);
  });

  it('requires the admin email and password together', () => {
    expect(() => loadConfig({ BUDDY_ADMIN_EMAIL: 'a@b.co' })).toThrow(/BUDDY_ADMIN_EMAIL and BUDDY_ADMIN_PASSWORD/);
  });
});
