// A Buddy service with its delivery worker (and only that background task) running against
// local receivers, plus helpers to make leads finish and to read the outbox.
import type { Kysely } from 'kysely';
import { issueTokens, sampleTemplate, startTestService, type TestDialect, type TestService, type Tokens } from '../support/service.ts';
import type { Selectable } from 'kysely';
import type { WebhookAttemptsTable, WebhookMessagesTable, Database } from '../../src/db/schema.ts';
import type { DeliveryWorker } from '../../src/delivery/worker.ts';
import { enqueueMessage, type NewMessage } from '../../src/delivery/outbox.ts';
import { finishAttempt, recordPlaced, startAttempt, type FinishAttemptInput } from '../../src/calls/attempts.ts';

/** Fast, deterministic defaults: loopback allowed, three back-to-back attempts, 20 ms polls. */
export const TEST_DELIVERY_ENV = {
  OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8',
  WEBHOOK_RETRY_POLICY: '0,0,0',
  WEBHOOK_POLL_INTERVAL_MS: '20',
  WEBHOOK_TIMEOUT_MS: '2000',
  WEBHOOK_CONNECT_TIMEOUT_MS: '1000',
  BUDDY_DISPATCHER_ENABLED: 'false',
};

export type Harness = {
  t: TestService;
  tokens: Tokens;
  db: Kysely<Database>;
  worker: DeliveryWorker;
  /** A lead of merchant res_1/mer_a on the `delivery` template (max_retry 0). */
  pushLead(requestId: string, reportingUrl: string): Promise<string>;
  /** Dials the lead (call id `CA-<requestId>`) and finishes the attempt with these facts. */
  finishLead(leadId: string, callId: string | null, input: Omit<FinishAttemptInput, 'attemptId'>): Promise<void>;
  enqueue(url: string, body?: unknown, extra?: Partial<NewMessage>): Promise<string>;
  message(id: string): Promise<Selectable<WebhookMessagesTable>>;
  attempts(messageId: string): Promise<Selectable<WebhookAttemptsTable>[]>;
  close(): Promise<void>;
};

export type HarnessOptions = {
  startWorker?: boolean;
  /** The template's end_conversation_callbacks URL (a service callback per answered call). */
  callbackUrl?: string;
};

export async function startHarness(dialect: TestDialect, env: Record<string, string> = {}, options: HarnessOptions = {}): Promise<Harness> {
  const t = await startTestService(dialect, { ...TEST_DELIVERY_ENV, ...env });
  const tokens = await issueTokens(t);
  const worker = t.service.tasks.find((task) => task.name === 'webhook-delivery') as DeliveryWorker | undefined;
  if (!worker) throw new Error('the service has no webhook-delivery task');
  const template = sampleTemplate('delivery');
  if (options.callbackUrl !== undefined) {
    Object.assign(template.flow, { end_conversation_callbacks: [{ name: 'crm', http_request: { url: options.callbackUrl, method: 'POST', headers: { 'x-crm': 'buddy' } } }] });
  }
  const tpl = await t.api('POST', '/templates', { token: tokens.merchant, body: template });
  if (tpl.statusCode !== 201) throw new Error(`template: ${tpl.body}`);
  if (options.startWorker !== false) worker.start();
  const db = t.service.db.kysely;

  return {
    t,
    tokens,
    db,
    worker,
    async pushLead(requestId, reportingUrl) {
      const res = await t.api('POST', '/leads', {
        token: tokens.merchant,
        body: { request_id: requestId, template: 'delivery', reporting_webhook_url: reportingUrl, payload: { customer_mobile_number: '+14155551234', customer_name: 'Rahul' } },
      });
      if (res.statusCode !== 201) throw new Error(`lead: ${res.body}`);
      return res.json().lead_id as string;
    },
    async finishLead(leadId, callId, input) {
      const attempt = await db.transaction().execute((trx) => startAttempt(trx, { leadId, provider: 'twilio', isTest: true, toNumber: '+14155551234' }));
      if (callId !== null) await recordPlaced(db, attempt.id, callId);
      await finishAttempt(db, { attemptId: attempt.id, ...input });
    },
    enqueue: (url, body = { hello: 'world' }, extra = {}) =>
      enqueueMessage(db, { kind: 'hook', owner: { reseller_id: 'res_1', merchant_id: 'mer_a' }, leadId: null, url, body, ...extra }),
    message: (id) => db.selectFrom('webhook_messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
    attempts: (messageId) => db.selectFrom('webhook_attempts').selectAll().where('message_id', '=', messageId).orderBy('attempt_number').execute(),
    close: () => t.close(),
  };
}

type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>;

/** Polls `check` until it returns a truthy value (returned) or the deadline passes (throws). */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs = 5_000, what = 'condition'): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
