/**
 * A Buddy service, a fake Twilio and a dispatcher driven by hand (`run()` = claim until
 * nothing is due, then wait for every lead in flight), for the dispatch tests. HARNESS_LOG=warn
 * (or debug) shows the service's log lines when a test needs explaining.
 */
import type { Kysely } from 'kysely';
import { issueTokens, sampleTemplate, startTestService, type TestDialect, type TestService, type Tokens } from '../support/service.ts';
import { startFakeTwilio, type FakeTwilio, type CreateReply, type CreateRequest } from '../support/fake-twilio.ts';
import { createDispatchTasks, type DispatchTasks } from '../../src/dispatch/index.ts';
import { createEnvFlagStore } from '../../src/flags/flag-store.ts';
import type { Database } from '../../src/db/schema.ts';
import type { CallAttempt } from '../../src/calls/attempts.ts';

export type Harness = {
  t: TestService;
  tokens: Tokens;
  twilio: FakeTwilio;
  dispatch: DispatchTasks;
  /** Flag values as environment variables (BB_DISPATCH_ENABLED, OUTBOUND_RATE_LIMIT_*); change them live. */
  flagEnv: Record<string, string | undefined>;
  db(): Kysely<Database>;
  /** A template of the merchant mer_a with its call configuration; returns the template id. */
  template(name: string, config?: Record<string, unknown>, extra?: Record<string, unknown>): Promise<string>;
  number(phone: string, fields?: Record<string, unknown>): Promise<string>;
  pushLead(template: string, phone: unknown, extra?: Record<string, unknown>): Promise<string>;
  run(): Promise<void>;
  lead(id: string): Promise<Record<string, unknown> & { status: string; outcome: string | null; attempt_count: number }>;
  attempts(leadId: string): Promise<CallAttempt[]>;
  close(): Promise<void>;
};

/** A window that is always open (start == end) in UTC, so tests do not depend on the hour. */
export const ALWAYS_OPEN = { call_start_time: '00:00', call_end_time: '00:00', timezone: 'UTC' };

const listAttempts = (db: Kysely<Database>, leadId: string): Promise<CallAttempt[]> =>
  db.selectFrom('call_attempts').selectAll().where('lead_id', '=', leadId).orderBy('attempt_number').execute();

export async function startHarness(
  dialect: TestDialect,
  options: { env?: Record<string, string>; onCreate?: (req: CreateRequest) => CreateReply; clock?: () => number } = {},
): Promise<Harness> {
  const twilio = await startFakeTwilio({ onCreate: options.onCreate });
  const t = await startTestService(dialect, { ...twilio.env, OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8', BUDDY_DISPATCH_LEASE_SECONDS: '30', LOG_LEVEL: process.env.HARNESS_LOG ?? 'silent', ...options.env });
  const tokens = await issueTokens(t);
  const flagEnv: Record<string, string | undefined> = {};
  const { service } = t;
  const dispatch = await createDispatchTasks({ config: service.config, db: service.db, flags: createEnvFlagStore(flagEnv), logger: service.logger, placer: service.telephony.placer, clock: options.clock });
  const db = () => t.service.db.kysely;

  const expectOk = (res: { statusCode: number; body: string }, code: number, what: string) => {
    if (res.statusCode !== code) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
  };
  return {
    t,
    tokens,
    twilio,
    dispatch,
    flagEnv,
    db,
    async template(name, config = {}, extra = {}) {
      const tpl = await t.api('POST', '/templates', { token: tokens.merchant, body: sampleTemplate(name, extra) });
      expectOk(tpl, 201, 'template');
      const id = tpl.json().id as string;
      const cfg = await t.api('POST', '/configurations', { token: tokens.reseller, body: { template_id: id, ...ALWAYS_OPEN, ...config } });
      expectOk(cfg, 201, 'configuration');
      return id;
    },
    async number(phone, fields = {}) {
      const res = await t.api('POST', '/numbers', { token: tokens.reseller, body: { phone_number: phone, provider: 'TWILIO', maximum_channels: 10, ...fields } });
      expectOk(res, 201, 'number');
      return res.json().id as string;
    },
    async pushLead(template, phone, extra = {}) {
      const res = await t.api('POST', '/leads', {
        token: tokens.merchant,
        body: { request_id: `req-${template}`, template, reporting_webhook_url: 'https://hooks.example.com/r', payload: { customer_mobile_number: phone, customer_name: 'Asha' }, ...extra },
      });
      expectOk(res, 201, 'lead');
      return res.json().lead_id as string;
    },
    async run() {
      while ((await dispatch.dispatcher.tick()) > 0) await dispatch.dispatcher.drain();
      await dispatch.dispatcher.drain();
    },
    async lead(id) {
      return (await t.api('GET', `/leads/${id}`, { token: tokens.merchant })).json();
    },
    attempts: (leadId) => listAttempts(db(), leadId),
    async close() {
      await Promise.all(dispatch.tasks.map((task) => task.stop()));
      await t.close();
      await twilio.close();
    },
  };
}
