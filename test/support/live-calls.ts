/**
 * Calls that go the real way, for end-to-end tests: a listening Buddy with all its background
 * tasks (dispatcher, delivery worker), a caller-id number of the provider, a template on it with
 * an always-open calling window, and TELEPHONY_TEST leads pushed over HTTP. The dispatcher
 * places them through the in-process emulator, which plays the provider's signed callbacks.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.ts';
import type { CallAttempt } from '../../src/calls/attempts.ts';
import type { EmulatedCall } from '../../src/telephony/emulator/emulated-call.ts';
import type { ProviderName } from '../../src/telephony/provider.ts';
import { startLiveService, type LiveService } from '../telephony/support/live-service.ts';
import { ALWAYS_OPEN } from '../dispatch/harness.ts';
import { waitFor } from '../delivery/delivery-harness.ts';
import { issueTokens, type TestDialect, type Tokens } from './service.ts';

export { waitFor };

/** Fast loops, and customer URLs on loopback allowed (local receivers, a local LLM). */
export const LIVE_CALL_ENV = {
  OUTBOUND_ALLOW_PRIVATE_NETWORKS: '127.0.0.0/8',
  BUDDY_DISPATCH_TICK_MS: '20',
  WEBHOOK_POLL_INTERVAL_MS: '20',
  WEBHOOK_RETRY_POLICY: '0,0,0',
};

export type LiveCalls = LiveService & {
  tokens: Tokens;
  db: Kysely<Database>;
  /** A caller-id number of `provider`, a template on it and its call configuration; returns the template id. */
  provision(provider: ProviderName, template: Record<string, unknown>, config?: Record<string, unknown>): Promise<string>;
  /** POST /leads (TELEPHONY_TEST) as merchant mer_a; returns the lead id. */
  push(lead: { template: string; requestId: string; to: string; reportingUrl?: string; payload?: Record<string, unknown> }): Promise<string>;
  /** GET /leads/{id} until `done` holds. */
  leadWhen(leadId: string, done: (lead: LeadView) => boolean, timeoutMs?: number): Promise<LeadView>;
  attempts(leadId: string): Promise<CallAttempt[]>;
  /** The emulated call of the lead's latest attempt, once it has ended. */
  playedCall(leadId: string): Promise<EmulatedCall>;
};

export type LeadView = Record<string, unknown> & {
  status: string;
  outcome: string | null;
  attempt_count: number;
  call_id: string | null;
  metaData: Record<string, unknown>;
};

const CALLER_ID: Record<ProviderName, string> = { twilio: '+14155550700', plivo: '+14155550701', exotel: '+918047490702' };

export async function startLiveCalls(dialect: TestDialect, env: Record<string, string> = {}): Promise<LiveCalls> {
  const t = await startLiveService(dialect, { ...LIVE_CALL_ENV, ...env });
  const tokens = await issueTokens(t);
  t.service.startBackground();
  const db = t.service.db.kysely;
  const expectStatus = (res: { statusCode: number; body: string }, code: number, what: string) => {
    if (res.statusCode !== code) throw new Error(`${what}: ${res.statusCode} ${res.body}`);
  };
  const numbers = new Map<ProviderName, string>();

  async function numberOf(provider: ProviderName): Promise<string> {
    const known = numbers.get(provider);
    if (known) return known;
    const res = await t.api('POST', '/numbers', { token: tokens.reseller, body: { phone_number: CALLER_ID[provider], provider, maximum_channels: 10 } });
    expectStatus(res, 201, 'number');
    numbers.set(provider, res.json().id as string);
    return res.json().id as string;
  }

  const lead = async (leadId: string): Promise<LeadView> => {
    const res = await t.api('GET', `/leads/${leadId}`, { token: tokens.merchant });
    expectStatus(res, 200, 'lead');
    return res.json();
  };

  return {
    ...t,
    tokens,
    db,
    async provision(provider, template, config = {}) {
      const numberId = await numberOf(provider);
      const tpl = await t.api('POST', '/templates', { token: tokens.merchant, body: { ...template, outbound_number_id: numberId } });
      expectStatus(tpl, 201, 'template');
      const id = tpl.json().id as string;
      const cfg = await t.api('POST', '/configurations', {
        token: tokens.reseller,
        body: { template_id: id, calling_provider: provider.toUpperCase(), ...ALWAYS_OPEN, ...config },
      });
      expectStatus(cfg, 201, 'configuration');
      return id;
    },
    async push({ template, requestId, to, reportingUrl, payload = {} }) {
      const res = await t.api('POST', '/leads', {
        token: tokens.merchant,
        body: {
          request_id: requestId,
          template,
          execution_mode: 'TELEPHONY_TEST',
          ...(reportingUrl === undefined ? {} : { reporting_webhook_url: reportingUrl }),
          payload: { customer_mobile_number: to, ...payload },
        },
      });
      expectStatus(res, 201, 'lead');
      return res.json().lead_id as string;
    },
    async leadWhen(leadId, done, timeoutMs = 10_000) {
      let last: LeadView | undefined;
      try {
        return await waitFor(async () => {
          last = await lead(leadId);
          return done(last) && last;
        }, timeoutMs, `lead ${leadId}`);
      } catch (err) {
        throw new Error(`${(err as Error).message}; last seen: ${JSON.stringify(last)}`);
      }
    },
    attempts: (leadId) => db.selectFrom('call_attempts').selectAll().where('lead_id', '=', leadId).orderBy('attempt_number').execute(),
    async playedCall(leadId) {
      const { call_id } = await lead(leadId);
      if (!call_id) throw new Error(`lead ${leadId} has no call id`);
      return t.emulator.waitForCall(call_id);
    },
  };
}
