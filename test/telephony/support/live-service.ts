// A Buddy service that listens on a real loopback port, with PUBLIC_BASE_URL pointing at it, so
// the in-process provider emulator can call it back exactly as a provider would.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { startTestService, type TestDialect, type TestService } from '../../support/service.ts';
import type { Emulator } from '../../../src/telephony/emulator/emulator.ts';

export type LiveService = TestService & { baseUrl: string; emulator: Emulator };

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startLiveService(dialect: TestDialect, env: Record<string, string> = {}): Promise<LiveService> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const t = await startTestService(dialect, { PUBLIC_BASE_URL: baseUrl, ...env });
  await t.service.app.listen({ port, host: '127.0.0.1' });
  const emulator = t.service.telephony.emulator;
  if (!emulator) throw new Error('the emulator is not running (EMULATOR_ENABLED=false?)');
  return { ...t, baseUrl, emulator };
}
