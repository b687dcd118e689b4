/**
 * The transaction that turns a claimed lead into an attempt, after the gates and pre-checks:
 *
 *   lease still ours? ─no─▶ lost (another node or a cancel has it)
 *   destination rate limit ─over, blocking─▶ deferred until the window frees (alert-only: logged)
 *   no number at all ─▶ refused NUMBER_UNAVAILABLE
 *   no free channel ─▶ deferred a few seconds
 *   otherwise ─▶ started: a committed attempt with its number, ready to be placed
 *
 * Everything it decides commits together, so a lead is never both deferred and started.
 */
import type { Logger } from 'pino';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { Dialect } from '../db/connection.ts';
import { fromJson, toJson } from '../db/json.ts';
import type { LeadRow } from '../db/repos/leads.ts';
import { finishAttemptIn, startAttempt, type CallAttempt } from '../calls/attempts.ts';
import { emptyMetaData } from '../domain/lead.ts';
import type { RefusalWord } from '../domain/outcome.ts';
import type { ProviderName } from '../telephony/provider.ts';
import { deferLead, holdLease, lockDestination } from './claim.ts';
import { destinationUsage, takeChannel, type RateLimit } from './channels.ts';
import type { DialPlan } from './gates.ts';
import type { PreCheckResult } from './pre-checks.ts';

export type Refusal = { word: RefusalWord; reason: string; provider: ProviderName; to: string };

export type DialStart =
  | { kind: 'lost' }
  | { kind: 'deferred' | 'refused'; reason: string }
  | { kind: 'started'; attempt: CallAttempt; from: string };

/** A busy number is asked again after 2–5 s, spread so that waiting leads do not stampede. */
const channelRetryMs = () => 2_000 + Math.floor(Math.random() * 3_000);

/** Refuses a lead whose lease the transaction holds: an attempt started and finished NOT_INITIATED. */
export async function refuseIn(trx: Transaction<Database>, lead: LeadRow, r: Refusal, metaData?: Record<string, unknown>): Promise<void> {
  const attempt = await startAttempt(trx, { leadId: lead.id, provider: r.provider, isTest: lead.execution_mode === 'TELEPHONY_TEST', toNumber: r.to });
  await finishAttemptIn(trx, { attemptId: attempt.id, facts: { platform_status: 'NOT_INITIATED', platform_reason: r.word }, failureReason: r.reason, metaData });
}

export type DialInput = {
  dialect: Dialect;
  logger: Logger;
  lead: LeadRow;
  plan: DialPlan;
  token: string;
  now: number;
  leaseMs: number;
  rate: RateLimit;
  /** Numbers found busy earlier in the same batch. */
  fullNumbers: Set<string>;
  preChecks: PreCheckResult[];
};

export async function startDial(trx: Transaction<Database>, input: DialInput): Promise<DialStart> {
  const { lead, plan, token, now, rate } = input;
  if (!(await holdLease(trx, lead.id, token, now, input.leaseMs))) return { kind: 'lost' };

  if (rate.block) await lockDestination(trx, input.dialect, plan.to);
  const usage = await destinationUsage(trx, plan.to, now - rate.windowSeconds * 1000);
  if (usage.count >= rate.maxCalls) {
    if (rate.block) {
      await deferLead(trx, lead.id, token, (usage.oldest ?? now) + rate.windowSeconds * 1000, now);
      return { kind: 'deferred', reason: 'destination rate limit reached' };
    }
    const detail = { lead_id: lead.id, to: plan.to, calls: usage.count, max_calls: rate.maxCalls, window_seconds: rate.windowSeconds };
    input.logger.warn(detail, 'destination rate limit exceeded (alert only; the call goes ahead)');
  }

  if (plan.candidates.length === 0) {
    const reason = `no AVAILABLE ${plan.config.calling_provider} number for reseller ${lead.reseller_id}`;
    await refuseIn(trx, lead, { word: 'NUMBER_UNAVAILABLE', reason, provider: plan.provider, to: plan.to });
    return { kind: 'refused', reason };
  }
  const number = await takeChannel(trx, input.dialect, plan.candidates, input.fullNumbers);
  if (!number) {
    await deferLead(trx, lead.id, token, now + channelRetryMs(), now);
    return { kind: 'deferred', reason: 'every number is on its maximum_channels' };
  }

  const attempt = await startAttempt(trx, {
    leadId: lead.id,
    provider: plan.provider,
    isTest: lead.execution_mode === 'TELEPHONY_TEST',
    toNumber: plan.to,
    fromNumber: number.phone_number,
    numberId: number.id,
  });
  if (input.preChecks.length > 0) {
    const meta = { ...emptyMetaData(), ...fromJson<Record<string, unknown>>(lead.meta_data, {}), pre_check_results: input.preChecks };
    await trx.updateTable('leads').set({ meta_data: toJson(meta) }).where('id', '=', lead.id).execute();
  }
  return { kind: 'started', attempt, from: number.phone_number };
}
