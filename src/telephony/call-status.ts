// Call status, normalised across Twilio, Plivo and Exotel, and the outcome facts of
// reference §11.2 ("Carrier status mapping").
//
//   queued ─▶ initiated ─▶ ringing ─▶ in-progress ─▶ completed
//     │           │           │            │
//     └───────────┴───────────┴────────────┴──────▶ busy | no-answer | failed | canceled
//
// - queued:      the provider accepted the REST request (Twilio, Exotel) or a callback
//                arrived before the carrier did anything.
// - initiated:   the provider started dialling (Twilio `initiated` event).
// - ringing:     the far end is ringing (Twilio `ringing`, Plivo ring_url, Exotel `ringing`).
// - in-progress: answered (Twilio `answered`/`in-progress`, Plivo StartApp, Exotel `answered`).
// - terminal:    completed (answered, then ended) or one of the unanswered endings.
//
// Providers retry and reorder callbacks, so a status only moves forward: apply an update
// only when `isStatusAdvance(current, next)`. Every terminal status has the same rank, so
// the first terminal status wins and a late `ringing`, or a second terminal, is ignored.

export const CALL_STATUSES = [
  'queued',
  'initiated',
  'ringing',
  'in-progress',
  'completed',
  'busy',
  'no-answer',
  'failed',
  'canceled',
] as const;

export type NormalizedCallStatus = (typeof CALL_STATUSES)[number];

const RANK: Readonly<Record<NormalizedCallStatus, number>> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  'in-progress': 3,
  completed: 4,
  busy: 4,
  'no-answer': 4,
  failed: 4,
  canceled: 4,
};

export function statusRank(status: NormalizedCallStatus): number {
  return RANK[status];
}

export function isTerminalStatus(status: NormalizedCallStatus): boolean {
  return RANK[status] === RANK.completed;
}

/** True when `next` moves a call forward from `current` (no current status: anything does). */
export function isStatusAdvance(
  current: NormalizedCallStatus | null | undefined,
  next: NormalizedCallStatus,
): boolean {
  return current == null || RANK[next] > RANK[current];
}

/** The provider_* outcome fact columns of reference §11.2. */
export interface OutcomeFacts {
  readonly provider_status: 'ANSWERED' | 'NOT_ANSWERED' | 'UNKNOWN';
  readonly provider_reason: 'COMPLETED' | 'NO_ANSWER' | 'BUSY' | 'FAILED' | 'CANCELED' | 'TIMEOUT' | null;
  readonly provider_hangup_cause: string | null;
}

type CarrierWord = { status: NormalizedCallStatus; facts: Omit<OutcomeFacts, 'provider_hangup_cause'> };

// Keys are the carrier's own words, lower-cased. Plivo says `cancel` and `timeout`;
// `cancelled` is the British spelling some carriers use. `timeout` has no status of its
// own (a ring timeout is an unanswered call) but keeps its own reason, as §11.2 asks.
const CARRIER_WORDS: Readonly<Record<string, CarrierWord>> = {
  queued: { status: 'queued', facts: { provider_status: 'UNKNOWN', provider_reason: null } },
  initiated: { status: 'initiated', facts: { provider_status: 'UNKNOWN', provider_reason: null } },
  ringing: { status: 'ringing', facts: { provider_status: 'UNKNOWN', provider_reason: null } },
  'in-progress': { status: 'in-progress', facts: { provider_status: 'ANSWERED', provider_reason: null } },
  answered: { status: 'in-progress', facts: { provider_status: 'ANSWERED', provider_reason: null } },
  completed: { status: 'completed', facts: { provider_status: 'ANSWERED', provider_reason: 'COMPLETED' } },
  'no-answer': { status: 'no-answer', facts: { provider_status: 'NOT_ANSWERED', provider_reason: 'NO_ANSWER' } },
  busy: { status: 'busy', facts: { provider_status: 'NOT_ANSWERED', provider_reason: 'BUSY' } },
  failed: { status: 'failed', facts: { provider_status: 'NOT_ANSWERED', provider_reason: 'FAILED' } },
  cancel: { status: 'canceled', facts: { provider_status: 'NOT_ANSWERED', provider_reason: 'CANCELED' } },
  canceled: { status: 'canceled', facts: { provider_status: 'NOT_ANSWERED', provider_reason: 'CANCELED' } },
  cancelled: { status: 'canceled', facts: { provider_status: 'NOT_ANSWERED', provider_reason: 'CANCELED' } },
  timeout: { status: 'no-answer', facts: { provider_status: 'NOT_ANSWERED', provider_reason: 'TIMEOUT' } },
};

/**
 * Maps a carrier status word to our status and facts. An unknown word is, per §11.2,
 * "NOT_ANSWERED with no reason"; its status is `failed` so that the call still ends.
 */
export function mapCarrierStatus(
  word: string,
  hangupCause: string | null,
): { status: NormalizedCallStatus; facts: OutcomeFacts; known: boolean } {
  const hit = Object.hasOwn(CARRIER_WORDS, word.trim().toLowerCase())
    ? CARRIER_WORDS[word.trim().toLowerCase()]
    : undefined;
  if (hit === undefined) {
    return {
      status: 'failed',
      facts: { provider_status: 'NOT_ANSWERED', provider_reason: null, provider_hangup_cause: hangupCause },
      known: false,
    };
  }
  return { status: hit.status, facts: { ...hit.facts, provider_hangup_cause: hangupCause }, known: true };
}
