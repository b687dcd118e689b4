/**
 * Outcome facts and the lead outcome word (reference §11.2, the `legacy_outcome` precedence).
 *
 * Every attempt records facts from the layer that knows them: the platform (did we dial?),
 * the provider (was it answered, how did it end?), the session (how did the conversation end?)
 * and the agent (the template's own word). The outcome word is derived from them, never stored
 * independently, so the same facts always give the same word.
 */
export type PlatformStatus = 'INITIATED' | 'NOT_INITIATED';
export type ProviderStatus = 'ANSWERED' | 'NOT_ANSWERED' | 'UNKNOWN';
export type ProviderReason = 'COMPLETED' | 'NO_ANSWER' | 'BUSY' | 'FAILED' | 'CANCELED' | 'TIMEOUT';
export type SessionEndReason =
  | 'AGENT_ENDED'
  | 'GLOBAL_END'
  | 'CUSTOMER_HANGUP'
  | 'USER_IDLE_TIMEOUT'
  | 'IDLE_TIMEOUT'
  | 'TRANSFERRED'
  | 'EARLY_HANGUP'
  | 'WIDGET_ENDED'
  | 'PIPELINE_ERROR'
  | 'IVR_ENDED'
  | 'IVR_NO_INPUT'
  | 'IVR_ERROR'
  | 'IVR_LOOP_GUARD'
  | 'IVR_NODE_MISSING'
  | 'IVR_EXCEPTION'
  | 'REAPED';

/** Words the dispatcher writes when it refuses to dial (the lead is never called). */
export type RefusalWord =
  | 'PRECHECK_FAILED'
  | 'BLACKLISTED'
  | 'NUMBER_UNAVAILABLE'
  | 'INVALID_PHONE'
  | 'NO_CONFIG'
  | 'CALL_LIMIT_REACHED'
  | 'ABORT';

export type OutcomeFacts = {
  platform_status: PlatformStatus | null;
  platform_reason: string | null;
  provider_status: ProviderStatus | null;
  provider_reason: ProviderReason | null;
  provider_hangup_cause: string | null;
  session_end_reason: SessionEndReason | null;
  agent_outcome: string | null;
  agent_outcome_source: 'LLM' | 'IVR' | 'OBSERVER' | null;
};

export const NO_FACTS: OutcomeFacts = {
  platform_status: null,
  platform_reason: null,
  provider_status: null,
  provider_reason: null,
  provider_hangup_cause: null,
  session_end_reason: null,
  agent_outcome: null,
  agent_outcome_source: null,
};

/** Answered-call endings that override whatever the agent said. */
const OVERRIDING_ENDINGS: Partial<Record<SessionEndReason, string>> = {
  TRANSFERRED: 'TRANSFERRED',
  USER_IDLE_TIMEOUT: 'BUSY',
  PIPELINE_ERROR: 'UNKNOWN',
  IVR_ERROR: 'IVR_ERROR',
  IVR_LOOP_GUARD: 'IVR_LOOP_GUARD',
  IVR_NODE_MISSING: 'IVR_NODE_MISSING',
};

/** Endings with no agent word: undecided calls are BUSY so that they are retried. */
const WORDLESS_ENDINGS: Record<SessionEndReason, string | null> = {
  EARLY_HANGUP: 'EARLY_HANGUP',
  WIDGET_ENDED: 'ended_by_widget',
  CUSTOMER_HANGUP: 'BUSY',
  USER_IDLE_TIMEOUT: 'BUSY',
  IDLE_TIMEOUT: 'BUSY',
  GLOBAL_END: 'BUSY',
  IVR_ENDED: 'BUSY',
  IVR_NO_INPUT: 'BUSY',
  IVR_EXCEPTION: 'BUSY',
  AGENT_ENDED: null,
  REAPED: 'UNKNOWN',
  TRANSFERRED: 'TRANSFERRED',
  PIPELINE_ERROR: 'UNKNOWN',
  IVR_ERROR: 'IVR_ERROR',
  IVR_LOOP_GUARD: 'IVR_LOOP_GUARD',
  IVR_NODE_MISSING: 'IVR_NODE_MISSING',
};

/** The outcome word of an attempt, by the reference's precedence. */
export function outcomeOf(facts: OutcomeFacts): string | null {
  if (facts.platform_status === 'NOT_INITIATED') return facts.platform_reason;
  if (facts.provider_status === 'NOT_ANSWERED') return 'NO_ANSWER';
  if (facts.provider_status === 'UNKNOWN') return 'UNKNOWN';
  const ending = facts.session_end_reason;
  const override = ending ? OVERRIDING_ENDINGS[ending] : undefined;
  if (override) return override;
  if (facts.agent_outcome) return facts.agent_outcome;
  if (ending) return WORDLESS_ENDINGS[ending];
  return 'UNKNOWN';
}

/** Outcomes after which the lead is called again while attempts remain (reference §6.2). */
export const RETRYABLE_OUTCOMES: ReadonlySet<string> = new Set(['NO_ANSWER', 'BUSY']);

/** The success shape of the reporting webhook goes out when the conversation ended cleanly. */
export function endedCleanly(facts: OutcomeFacts): boolean {
  return (
    facts.provider_status === 'ANSWERED' &&
    (facts.session_end_reason === 'AGENT_ENDED' || facts.session_end_reason === 'TRANSFERRED' || facts.session_end_reason === 'IVR_ENDED') &&
    facts.agent_outcome !== null
  );
}

/** Human-readable reason for the failure webhook, e.g. "NO_ANSWER: carrier reported busy". */
export function failureReasonOf(facts: OutcomeFacts, detail?: string | null): string {
  if (detail) return detail;
  if (facts.platform_status === 'NOT_INITIATED') return `Call not placed: ${facts.platform_reason ?? 'unknown reason'}`;
  if (facts.provider_status === 'NOT_ANSWERED') {
    const reason = facts.provider_reason ? facts.provider_reason.toLowerCase().replace('_', '-') : 'not answered';
    return `Call not answered (${reason}${facts.provider_hangup_cause ? `, ${facts.provider_hangup_cause}` : ''})`;
  }
  if (facts.provider_status === 'UNKNOWN') return 'Call state unknown';
  if (facts.session_end_reason) return `Conversation ended: ${facts.session_end_reason}`;
  return 'Call ended without an outcome';
}
