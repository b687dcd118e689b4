/**
 * The gates a claimed lead passes before any network request, in the order of the issue:
 *
 *   enable_calling ─off─▶ wait (PAUSE_MS), the lead is kept
 *   template + config ─missing─▶ NO_CONFIG
 *   calling window ─closed─▶ wait until it opens
 *   phone ─missing or not E.164─▶ INVALID_PHONE
 *   international ─not allowed─▶ INVALID_PHONE
 *   blacklist (enforce_blacklist) ─listed─▶ BLACKLISTED
 *
 * Pre-checks, the rate limit and the channel come after (pre-checks.ts, dial-transaction.ts):
 * they need the network or a transaction. No I/O here: the batch context and the clock are
 * inputs (the only other input is the random order of equally preferred numbers).
 */
import type { LeadRow } from '../db/repos/leads.ts';
import type { Template } from '../db/repos/templates.ts';
import type { CallConfig } from '../domain/call-config.ts';
import type { RefusalWord } from '../domain/outcome.ts';
import { countryOf, isE164 } from '../domain/phone.ts';
import type { ProviderName } from '../telephony/provider.ts';
import type { BatchContext, NumberRow } from './batch-context.ts';
import { nextWindowOpening } from './calling-window.ts';

/** How long a lead of a template with enable_calling=false waits before it is looked at again. */
export const PAUSE_MS = 60_000;

export type DialPlan = {
  template: Template;
  config: CallConfig;
  provider: ProviderName;
  to: string;
  /** Numbers the lead may be dialled from, best first; empty when none exist at all. */
  candidates: NumberRow[];
};

export type GateVerdict =
  | { kind: 'pass'; plan: DialPlan }
  | { kind: 'refuse'; word: RefusalWord; reason: string; provider: ProviderName; to: string }
  | { kind: 'defer'; until: number; reason: string };

export function evaluateGates(input: { lead: LeadRow; payload: Record<string, unknown>; ctx: BatchContext; now: number }): GateVerdict {
  const { lead, payload, ctx, now } = input;
  const template = ctx.template(lead.template_id);
  const loaded = ctx.config(lead.template_id);
  const rawPhone = payload.customer_mobile_number;
  const to = typeof rawPhone === 'string' ? rawPhone : '';
  const provider = (loaded?.ok ? loaded.config.calling_provider : 'TWILIO').toLowerCase() as ProviderName;
  const refuse = (word: RefusalWord, reason: string): GateVerdict => ({ kind: 'refuse', word, reason, provider, to });

  if (loaded?.ok && !loaded.config.enable_calling) {
    return { kind: 'defer', until: now + PAUSE_MS, reason: 'enable_calling is off for this template' };
  }
  if (!template) return refuse('NO_CONFIG', `template ${lead.template_name} no longer exists`);
  if (!template.is_active) return refuse('NO_CONFIG', `template ${template.name} is inactive`);
  if (!loaded) return refuse('NO_CONFIG', `template ${template.name} has no call execution configuration`);
  if (!loaded.ok) return refuse('NO_CONFIG', `template ${template.name}: ${loaded.problem}`);
  const config = loaded.config;

  const opening = nextWindowOpening({ start: config.call_start_time, end: config.call_end_time, timeZone: config.timezone }, now);
  if (opening !== null) {
    return { kind: 'defer', until: opening, reason: `outside the calling window ${config.call_start_time}-${config.call_end_time} ${config.timezone}` };
  }

  if (!isE164(rawPhone)) return refuse('INVALID_PHONE', 'payload.customer_mobile_number is missing or not a valid E.164 number');

  let candidates = preferred(ctx.numbersFor(lead, config.calling_provider), template.outbound_number_id);
  if (!config.enable_international_call && candidates.length > 0) {
    const country = countryOf(to);
    const domestic = candidates.filter((n) => country !== undefined && countryOf(n.phone_number) === country);
    if (domestic.length === 0) {
      const from = [...new Set(candidates.map((n) => countryOf(n.phone_number) ?? '?'))].join('/');
      return refuse('INVALID_PHONE', `international calls are disabled: ${to} is in ${country ?? 'no country'}, the template's numbers are in ${from}`);
    }
    candidates = domestic;
  }

  if (config.enforce_blacklist && ctx.isBlacklisted(lead.reseller_id, to)) return refuse('BLACKLISTED', `${to} is on the blacklist`);

  return { kind: 'pass', plan: { template, config, provider, to, candidates } };
}

/**
 * The template's own number first, then the merchant's numbers, then reseller-wide ones; in a
 * random order within each group, so that concurrent leads spread over the numbers instead of
 * queueing for the first one's row lock.
 */
function preferred(numbers: NumberRow[], outboundNumberId: string | null): NumberRow[] {
  const rank = (n: NumberRow) => (n.id === outboundNumberId ? 0 : n.merchant_id !== null ? 1 : 2);
  return numbers
    .map((n) => ({ n, key: rank(n) + Math.random() }))
    .sort((a, b) => a.key - b.key)
    .map(({ n }) => n);
}
