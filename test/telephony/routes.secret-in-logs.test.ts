// Exotel's URLs carry the deployment secret; request logs (incoming requests and refusals)
// must show those URLs without it.
import { Writable } from 'node:stream';
import pino from 'pino';
import { expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { createService } from '../../src/service.ts';

it('never writes the Exotel URL secret to the log', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const secret = 'exotel-secret-that-must-not-leak';
  const config = loadConfig({ DATABASE_URL: 'sqlite::memory:', EXOTEL_URL_SECRET: secret, LOG_LEVEL: 'info' });
  const service = await createService(config, { logger: pino({ level: 'info' }, sink) });
  try {
    const url = (key: string) => `/agent/voice/breeze-buddy/exotel/prompt?CallSid=abc&bb_secret=${key}`;
    expect((await service.app.inject({ method: 'GET', url: url(secret) })).statusCode).toBe(404);
    expect((await service.app.inject({ method: 'HEAD', url: url(secret) })).statusCode).toBe(404);
    expect((await service.app.inject({ method: 'GET', url: url('a-wrong-secret-of-some-length') })).statusCode).toBe(403);
  } finally {
    await service.close();
  }
  const logged = lines.join('');
  expect(logged).toContain('bb_secret=***');
  expect(logged).not.toContain(secret);
});
