// The retry policy as the worker applies it against a real receiver: stable webhook-id across
// retries, Retry-After, 410, 3xx, exhaustion, and the policy switched through the flag store.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../support/service.ts';
import { startReceiver, type LocalReceiver } from './local-receiver.ts';
import { startHarness, waitFor, type Harness } from './delivery-harness.ts';

describe.each(DIALECTS)('retries (%s)', (dialect) => {
  let receiver: LocalReceiver;
  let h: Harness;
  const seen = new Map<string, number>();

  beforeAll(async () => {
    receiver = await startReceiver((req, res) => {
      const id = String(req.headers['webhook-id']);
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      if (req.url === '/flaky') res.writeHead(n <= 2 ? 500 : 200).end(n <= 2 ? 'not yet' : 'ok');
      else if (req.url === '/throttled') res.writeHead(n === 1 ? 429 : 200, n === 1 ? { 'retry-after': '1' } : {}).end();
      else if (req.url === '/gone') res.writeHead(410).end('unsubscribed');
      else if (req.url === '/moved') res.writeHead(302, { location: '/target' }).end();
      else if (req.url === '/broken') res.writeHead(500).end('boom');
      else res.writeHead(200).end();
    });
    h = await startHarness(dialect);
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });
  afterEach(() => {
    delete process.env.WEBHOOK_RETRY_POLICY;
  });

  const settled = (id: string) =>
    waitFor(async () => {
      const m = await h.message(id);
      return m.status !== 'pending' && m;
    }, 8_000, `message ${id} to settle`);
  const requestsFor = (id: string) => receiver.requests.filter((r) => r.headers['webhook-id'] === id);

  it('a receiver that fails twice then succeeds: one success, the same webhook-id thrice, 3 attempts logged', async () => {
    const id = await h.enqueue(`${receiver.url}/flaky`, { n: 1 });
    const message = await settled(id);
    expect(message).toMatchObject({ status: 'succeeded', attempt_count: 3, last_status_code: 200, last_error: null });
    const requests = requestsFor(id);
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([id]));
    expect(new Set(requests.map((r) => r.body))).toEqual(new Set(['{"n":1}']));
    const attempts = await h.attempts(id);
    expect(attempts.map((a) => [a.attempt_number, a.status_code, a.outcome, a.response_excerpt])).toEqual([
      [1, 500, 'retrying', 'not yet'],
      [2, 500, 'retrying', 'not yet'],
      [3, 200, 'succeeded', 'ok'],
    ]);
    for (const a of attempts) expect(Number(a.duration_ms)).toBeGreaterThan(0);
  });

  it('honours Retry-After on 429 (policy switched at run time through the webhook_retry_policy flag)', async () => {
    // Without Retry-After this policy's first retry is immediate.
    process.env.WEBHOOK_RETRY_POLICY = '0,0,5s';
    const id = await h.enqueue(`${receiver.url}/throttled`);
    const message = await settled(id);
    expect(message).toMatchObject({ status: 'succeeded', attempt_count: 2 });
    const attempts = await h.attempts(id);
    expect(attempts.map((a) => a.status_code)).toEqual([429, 200]);
    const gap = Number(attempts[1]!.started_at) - Number(attempts[0]!.started_at);
    expect(gap).toBeGreaterThanOrEqual(990);
    expect(gap).toBeLessThan(2_000);
  });

  it('410 Gone stops at once', async () => {
    const id = await h.enqueue(`${receiver.url}/gone`);
    const message = await settled(id);
    expect(message).toMatchObject({ status: 'failed', attempt_count: 1, last_status_code: 410 });
    expect(message.last_error).toBe('gave up (gone) after attempt 1: HTTP 410');
    expect(requestsFor(id)).toHaveLength(1);
  });

  it('3xx is a failure and the redirect is never followed', async () => {
    const id = await h.enqueue(`${receiver.url}/moved`);
    const message = await settled(id);
    expect(message).toMatchObject({ status: 'failed', attempt_count: 3, last_status_code: 302 });
    expect(receiver.requests.some((r) => r.url === '/target')).toBe(false);
  });

  it('gives up when the schedule is exhausted (the reference policy: 3 back-to-back tries)', async () => {
    process.env.WEBHOOK_RETRY_POLICY = 'reference';
    const id = await h.enqueue(`${receiver.url}/broken`);
    const message = await settled(id);
    expect(message).toMatchObject({ status: 'failed', attempt_count: 3, last_error: 'gave up (exhausted) after attempt 3: HTTP 500' });
    expect((await h.attempts(id)).map((a) => a.outcome)).toEqual(['retrying', 'retrying', 'failed']);
  });

  it('exports queue depth, attempts and latency on /metrics', async () => {
    const res = await h.t.api('GET', '//metrics');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/buddy_webhook_attempts_total\{kind="hook",result="success"\} [1-9]/);
    expect(res.body).toMatch(/buddy_webhook_attempts_total\{kind="hook",result="failure"\} [1-9]/);
    expect(res.body).toMatch(/buddy_webhook_messages_total\{kind="hook",status="failed"\} [1-9]/);
    expect(res.body).toMatch(/buddy_webhook_attempt_duration_seconds_count\{kind="hook"\} [1-9]/);
    expect(res.body).toMatch(/buddy_webhook_first_attempt_delay_seconds_count [1-9]/);
    expect(res.body).toMatch(/buddy_webhook_queue_depth\{state="due"\} 0/);
  });
});
