// A Buddy service with the conversation runner on top, and the steps a telephony transport
// takes around it: answer (begin), turns (respond), and the final status callback (summarize,
// then finishAttempt with the provider's facts).
import { issueTokens, startTestService, type TestDialect, type TestService, type Tokens } from '../support/service.ts';
import { finishAttempt, recordPlaced, startAttempt } from '../../src/calls/attempts.ts';
import { createConversationRunner, type ConversationRunner } from '../../src/conversation/index.ts';
import { fromJson } from '../../src/db/json.ts';
import type { ConversationState } from '../../src/conversation/state.ts';

export type Harness = {
  t: TestService;
  tokens: Tokens;
  runner: ConversationRunner;
  /** Creates a template (as merchant mer_a) and its call configuration; returns the template id. */
  template(doc: Record<string, unknown>, config?: Record<string, unknown>): Promise<string>;
  /** Pushes a lead and places its call: returns the attempt id and lead id. */
  call(templateName: string, payload?: Record<string, unknown>): Promise<{ attemptId: string; leadId: string }>;
  attempt(attemptId: string): Promise<Record<string, unknown>>;
  state(attemptId: string): Promise<ConversationState>;
  messages(leadId: string): Promise<{ kind: string; url: string; method: string; headers: Record<string, string>; body: unknown }[]>;
  /** The provider says the answered call completed, as the telephony status callback does. */
  hangUp(attemptId: string): Promise<Awaited<ReturnType<typeof finishAttempt>>>;
  lead(leadId: string): Promise<Record<string, unknown> & { metaData: Record<string, unknown> }>;
  close(): Promise<void>;
};

let leadCounter = 0;

export async function startHarness(dialect: TestDialect, env: Record<string, string> = {}): Promise<Harness> {
  const t = await startTestService(dialect, { OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8', ...env });
  const tokens = await issueTokens(t);
  const db = t.service.db.kysely;
  const runner = createConversationRunner({ db: t.service.db, config: t.service.config, logger: t.service.logger });
  return {
    t,
    tokens,
    runner,
    async template(doc, config = {}) {
      const res = await t.api('POST', '/templates', { token: tokens.merchant, body: doc });
      if (res.statusCode !== 201) throw new Error(`template refused: ${res.body}`);
      const id = res.json().id as string;
      const cfg = await t.api('POST', '/configurations', { token: tokens.reseller, body: { template_id: id, ...config } });
      if (cfg.statusCode !== 201) throw new Error(`configuration refused: ${cfg.body}`);
      return id;
    },
    async call(templateName, payload = {}) {
      const request_id = `order-${++leadCounter}`;
      const res = await t.api('POST', '/leads', {
        token: tokens.merchant,
        body: { request_id, template: templateName, reporting_webhook_url: 'https://hooks.example.com/report', payload: { customer_mobile_number: '+14155551234', ...payload } },
      });
      if (res.statusCode !== 201) throw new Error(`lead refused: ${res.body}`);
      const leadId = res.json().lead_id as string;
      const attempt = await db.transaction().execute((trx) => startAttempt(trx, { leadId, provider: 'twilio', isTest: true, toNumber: '+14155551234' }));
      await recordPlaced(db, attempt.id, `CA${attempt.id.replace(/-/g, '')}`);
      await db.updateTable('call_attempts').set({ status: 'in-progress', status_rank: 3, provider_status: 'ANSWERED', answered_at: Date.now() }).where('id', '=', attempt.id).execute();
      return { attemptId: attempt.id, leadId };
    },
    async attempt(attemptId) {
      return db.selectFrom('call_attempts').selectAll().where('id', '=', attemptId).executeTakeFirstOrThrow();
    },
    async state(attemptId) {
      const row = await db.selectFrom('call_attempts').select('conversation').where('id', '=', attemptId).executeTakeFirstOrThrow();
      return fromJson<ConversationState>(row.conversation, {} as ConversationState);
    },
    async messages(leadId) {
      const rows = await db.selectFrom('webhook_messages').selectAll().where('lead_id', '=', leadId).orderBy('created_at').execute();
      return rows.map((r) => ({ kind: r.kind, url: r.url, method: r.method, headers: fromJson<Record<string, string>>(r.headers, {}), body: JSON.parse(r.body) as unknown }));
    },
    async hangUp(attemptId) {
      const report = await runner.summarize(attemptId);
      await db.updateTable('call_attempts').set({ status: 'completed', status_rank: 4, provider_reason: 'COMPLETED', ended_at: Date.now() }).where('id', '=', attemptId).execute();
      return finishAttempt(db, {
        attemptId,
        facts: {
          provider_status: 'ANSWERED',
          provider_reason: 'COMPLETED',
          ...(report && {
            agent_outcome: report.agent_outcome,
            agent_outcome_source: report.agent_outcome_source,
            session_end_reason: report.ending?.session_end_reason ?? (report.user_spoke ? 'CUSTOMER_HANGUP' : 'EARLY_HANGUP'),
          }),
        },
        callEndedBy: report?.ending?.call_ended_by ?? 'customer',
        conversation: report?.summary ?? null,
      });
    },
    async lead(leadId) {
      return (await t.api('GET', `/leads/${leadId}`, { token: tokens.merchant })).json();
    },
    async close() {
      await runner.close();
      await t.close();
    },
  };
}
