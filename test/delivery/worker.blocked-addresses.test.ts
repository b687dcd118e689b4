// Under the default configuration (no OUTBOUND_ALLOW_PRIVATE_NETWORKS) the worker refuses
// private, loopback and metadata destinations: the message fails at once with the reason
// logged on its attempt, and nothing reaches the receiver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import { startReceiver, type LocalReceiver } from './local-receiver.ts';
import { startHarness, waitFor, type Harness } from './delivery-harness.ts';

describe.each(DIALECTS)('blocked destinations (%s)', (dialect) => {
  let receiver: LocalReceiver;
  let h: Harness;

  beforeAll(async () => {
    receiver = await startReceiver((_req, res) => res.writeHead(200).end());
    h = await startHarness(dialect, { OUTBOUND_ALLOW_PRIVATE_NETWORKS: '' });
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  it.each([
    ['a loopback address', () => `${receiver.url}/hook`, /refusing to connect to 127\.0\.0\.1: loopback/],
    ['a name that resolves to loopback', () => `http://localhost:${receiver.port}/hook`, /refusing to connect to (127\.0\.0\.1|::1) \(localhost\)/],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/', /link-local \/ cloud metadata/],
    ['a private network', () => 'http://10.1.2.3/hook', /private \(10\/8\)/],
    ['a non-http scheme', () => 'file:///etc/passwd', /scheme file: is not allowed/],
  ])('refuses %s: failed after one attempt, the error logged', async (_name, url, reason) => {
    const id = await h.enqueue(url());
    const message = await waitFor(async () => {
      const m = await h.message(id);
      return m.status !== 'pending' && m;
    });
    expect(message).toMatchObject({ status: 'failed', attempt_count: 1, last_status_code: null });
    expect(message.last_error).toMatch(/^gave up \(blocked\) after attempt 1: /);
    const [attempt, ...more] = await h.attempts(id);
    expect(more).toHaveLength(0);
    expect(attempt).toMatchObject({ attempt_number: 1, status_code: null, outcome: 'failed' });
    expect(attempt!.error).toMatch(reason);
    expect(receiver.connections()).toBe(0);
  });
});
