/**
 * An API-only node (WEBHOOK_WORKER_ENABLED=false) finishes an attempt: the reporting webhook it
 * enqueues is sent by a worker node in another OS process at once, woken through PostgreSQL
 * LISTEN/NOTIFY, although that worker polls only once a minute.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, issueTokens, sampleTemplate, startTestService, type TestService, type Tokens } from '../support/service.ts';
import { sharedDatabase, type SharedDatabase } from '../flags/support/flag-services.ts';
import { startBuddyProcess, type BuddyProcess } from '../flags/support/buddy-process.ts';
import { finishAttempt, recordPlaced, startAttempt } from '../../src/calls/attempts.ts';
import { startReceiver, type LocalReceiver } from './local-receiver.ts';
import { TEST_DELIVERY_ENV, waitFor } from './delivery-harness.ts';

const PG_URL = process.env.TEST_DATABASE_URL;

describe.skipIf(!PG_URL)('an API-only node wakes the worker nodes (PostgreSQL LISTEN/NOTIFY)', () => {
  let shared: SharedDatabase;
  let receiver: LocalReceiver;
  let api: TestService;
  let tokens: Tokens;
  let workerNode: BuddyProcess;

  beforeAll(async () => {
    shared = await sharedDatabase('postgres');
    receiver = await startReceiver((_req, res) => res.writeHead(204).end());
    api = await startTestService('postgres', { ...TEST_DELIVERY_ENV, WEBHOOK_WORKER_ENABLED: 'false' }, shared.options);
    tokens = await issueTokens(api);
    const template = await api.api('POST', '/templates', { token: tokens.merchant, body: sampleTemplate('cross-node') });
    expect(template.statusCode).toBe(201);
    api.service.startBackground();
    workerNode = await startBuddyProcess({
      DATABASE_URL: shared.processDatabaseUrl,
      BUDDY_ADMIN_EMAIL: ADMIN.email,
      BUDDY_ADMIN_PASSWORD: ADMIN.password,
      BUDDY_DISPATCHER_ENABLED: 'false',
      OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8',
      WEBHOOK_POLL_INTERVAL_MS: '60000',
    });
  }, 60_000);

  afterAll(async () => {
    await workerNode?.stop();
    await api?.close();
    await receiver?.close();
    await shared?.drop();
  });

  it('each reporting webhook reaches the receiver within seconds, not at the next poll', async () => {
    const db = api.service.db.kysely;
    for (const requestId of ['cross-node-1', 'cross-node-2']) {
      const pushed = await api.api('POST', '/leads', {
        token: tokens.merchant,
        body: { request_id: requestId, template: 'cross-node', reporting_webhook_url: `${receiver.url}/report`, payload: { customer_mobile_number: '+14155551234', customer_name: 'Rahul' } },
      });
      expect(pushed.statusCode).toBe(201);
      const leadId = pushed.json().lead_id as string;
      const attempt = await db.transaction().execute((trx) => startAttempt(trx, { leadId, provider: 'twilio', isTest: true, toNumber: '+14155551234' }));
      await recordPlaced(db, attempt.id, `CA-${requestId}`);
      await finishAttempt(db, { attemptId: attempt.id, facts: { provider_status: 'NOT_ANSWERED', provider_reason: 'NO_ANSWER' } });

      const report = await waitFor(() => receiver.requests.find((r) => JSON.parse(r.body).leadId === leadId), 10_000, `the reporting webhook of ${requestId}`);
      expect(JSON.parse(report.body)).toMatchObject({ orderId: requestId, outcome: 'NO_ANSWER' });
      expect(report.headers['webhook-signature']).toMatch(/^v1,/);
    }
  });
});
