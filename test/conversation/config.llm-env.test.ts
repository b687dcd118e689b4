import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

describe('conversation configuration from the environment', () => {
  it('reads the default LLM endpoint and the SSRF allow-list', () => {
    const config = loadConfig({
      LLM_BASE_URL: 'http://10.0.0.5:8000/v1/',
      LLM_API_KEY: 'sk-x',
      LLM_MODEL: 'llama-3.1-8b',
      LLM_TIMEOUT_MS: '8000',
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8, ::1/128',
    });
    expect(config.llm).toEqual({ baseUrl: 'http://10.0.0.5:8000/v1', apiKey: 'sk-x', model: 'llama-3.1-8b', timeoutMs: 8000 });
    expect(config.outboundAllowPrivateNetworks).toEqual(['127.0.0.0/8', '::1/128']);
  });

  it('defaults to no LLM, a 30 s timeout and no private networks', () => {
    const config = loadConfig({});
    expect(config.llm).toEqual({ baseUrl: undefined, apiKey: undefined, model: undefined, timeoutMs: 30_000 });
    expect(config.outboundAllowPrivateNetworks).toEqual([]);
  });

  it('names every bad value', () => {
    let error: unknown;
    try {
      loadConfig({ LLM_BASE_URL: 'ftp://x', OUTBOUND_ALLOW_PRIVATE_NETWORKS: '10.0.0.0/99' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toContain('LLM_BASE_URL');
    expect(problems).toContain('OUTBOUND_ALLOW_PRIVATE_NETWORKS');
  });
});
