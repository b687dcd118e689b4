/**
 * The transaction that turns claimed leads into attempts, after the gates and pre-checks. It
 * takes a group of leads at once (the dispatcher groups the leads that reach it while the
 * previous group commits), so that a busy node pays a handful of statements and one commit per
 * group rather than per lead. Each lead, in order:
 *
 *   lease still ours? ─no─▶ lost (another node or a cancel has it)
 *   destination rate limit ─over, blocking─▶ deferred until the window frees (alert-only: logged)
 *   no number at all ─▶ refused NUMBER_UNAVAILABLE
 *   no free channel ─▶ deferred a few seconds
 *   otherwise ─▶ started: a committed attempt with its number, ready to be placed
 *
 * The rate limit and the channels are read once for the group (channels.ts), then the group's
 * own calls are counted in memory as they are decided, so two leads of one group to one
 * destination, or on one number, see each other. Everything commits together: a lead is never
 * both deferred and started.
 */
import type { Logger } from 'pino';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Dialect } from '../db/connection.ts';
import { fromJson, toJson } from '../db/json.ts';
import type { LeadRow } from '../db/repos/leads.ts';
import { finishAttemptIn, startAttempt, startAttempts, type CallAttempt } from '../calls/attempts.ts';
import { emptyMetaData } from '../domain/lead.ts';
import type { RefusalWord } from '../domain/outcome.ts';
import type { ProviderName } from '../telephony/provider.ts';
import type { NumberRow } from './batch-context.ts';
import { deferLead, holdLeases, lockDestinations } from './claim.ts';
import { lockNumbers, placedCallTimes, type RateLimit } from './channels.ts';
import type { DialPlan } from './gates.ts';
import type { PreCheckResult } from './pre-checks.ts';

export type Refusal = { word: RefusalWord; reason: string; provider: ProviderName; to: string };

export type DialStart =
  | { kind: 'lost' }
  | { kind: 'deferred'; reason: string }
  | { kind: 'refused'; word: RefusalWord; reason: string }
  | { kind: 'started'; attempt: CallAttempt; from: string };

/** A busy number is asked again after 2–5 s, spread so that waiting leads do not stampede. */
const channelRetryMs = () => 2_000 + Math.floor(Math.random() * 3_000);

/** Refuses a lead whose lease the transaction holds: an attempt started and finished NOT_INITIATED. */
export async function refuseIn(trx: Transaction<Database>, lead: LeadRow, r: Refusal, metaData?: Record<string, unknown>): Promise<void> {
  const attempt = await startAttempt(trx, { leadId: lead.id, provider: r.provider, isTest: lead.execution_mode === 'TELEPHONY_TEST', toNumber: r.to });
  await finishAttemptIn(trx, { attemptId: attempt.id, facts: { platform_status: 'NOT_INITIATED', platform_reason: r.word }, failureReason: r.reason, metaData });
}

/** One lead that passed the gates and its pre-checks, claimed under `token`. */
export type DialRequest = {
  lead: LeadRow;
  plan: DialPlan;
  token: string;
  rate: RateLimit;
  preChecks: PreCheckResult[];
};

export type DialGroupContext = { dialect: Dialect; logger: Logger; now: number; leaseMs: number };

/** Decides and writes a group of dial requests; the results are in the order of `requests`. */
export async function startDials(trx: Transaction<Database>, ctx: DialGroupContext, requests: readonly DialRequest[]): Promise<DialStart[]> {
  const { dialect, now } = ctx;
  const held = await holdLeases(
    trx,
    dialect,
    requests.map((r) => ({ id: r.lead.id, token: r.token })),
    now,
    ctx.leaseMs,
  );
  const live = requests.filter((r) => held.has(r.lead.id));

  await lockDestinations(
    trx,
    dialect,
    live.filter((r) => r.rate.block).map((r) => r.plan.to),
  );
  const longestWindowMs = Math.max(0, ...live.map((r) => r.rate.windowSeconds * 1000));
  const placed = await placedCallTimes(
    trx,
    live.map((r) => r.plan.to),
    now - longestWindowMs,
  );
  const busy = await lockNumbers(
    trx,
    dialect,
    live.flatMap((r) => r.plan.candidates.map((n) => n.id)),
  );

  const results = new Map<string, DialStart>();
  const starts: { request: DialRequest; number: NumberRow }[] = [];
  for (const request of live) {
    const { lead, plan, rate, token } = request;
    const since = now - rate.windowSeconds * 1000;
    const inWindow = (placed.get(plan.to) ?? []).filter((t) => t > since);
    if (inWindow.length >= rate.maxCalls) {
      if (rate.block) {
        await deferLead(trx, lead.id, token, (inWindow[0] ?? now) + rate.windowSeconds * 1000, now);
        results.set(lead.id, { kind: 'deferred', reason: 'destination rate limit reached' });
        continue;
      }
      const detail = { lead_id: lead.id, to: plan.to, calls: inWindow.length, max_calls: rate.maxCalls, window_seconds: rate.windowSeconds };
      ctx.logger.warn(detail, 'destination rate limit exceeded (alert only; the call goes ahead)');
    }

    if (plan.candidates.length === 0) {
      const reason = `no AVAILABLE ${plan.config.calling_provider} number for reseller ${lead.reseller_id}`;
      await refuseIn(trx, lead, { word: 'NUMBER_UNAVAILABLE', reason, provider: plan.provider, to: plan.to });
      results.set(lead.id, { kind: 'refused', word: 'NUMBER_UNAVAILABLE', reason });
      continue;
    }
    const number = plan.candidates.find((n) => (busy.get(n.id) ?? Infinity) < n.maximum_channels);
    if (!number) {
      await deferLead(trx, lead.id, token, now + channelRetryMs(), now);
      results.set(lead.id, { kind: 'deferred', reason: 'every number is on its maximum_channels' });
      continue;
    }
    busy.set(number.id, busy.get(number.id)! + 1);
    placed.set(plan.to, [...(placed.get(plan.to) ?? []), now]);
    starts.push({ request, number });
  }

  const attempts = await startAttempts(
    trx,
    starts.map(({ request: { lead, plan }, number }) => ({
      leadId: lead.id,
      provider: plan.provider,
      isTest: lead.execution_mode === 'TELEPHONY_TEST',
      toNumber: plan.to,
      fromNumber: number.phone_number,
      numberId: number.id,
    })),
  );
  for (const [i, { request, number }] of starts.entries()) {
    const { lead, preChecks } = request;
    if (preChecks.length > 0) {
      const meta = { ...emptyMetaData(), ...fromJson<Record<string, unknown>>(lead.meta_data, {}), pre_check_results: preChecks };
      await trx.updateTable('leads').set({ meta_data: toJson(meta) }).where('id', '=', lead.id).execute();
    }
    results.set(lead.id, { kind: 'started', attempt: attempts[i]!, from: number.phone_number });
  }
  return requests.map((r) => results.get(r.lead.id) ?? { kind: 'lost' });
}
