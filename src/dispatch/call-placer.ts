/**
 * How the dispatcher places a call, as a small interface so the telephony layer can supply
 * its own (answer/status URLs, the emulator for TELEPHONY_TEST leads) without the dispatcher
 * knowing a provider's wire format.
 *
 * Contract, which the dispatcher and the sweeper rely on for "dialled at most once":
 * - `place` sends `attempt.dial_key` as the provider request's idempotency key. Placing the
 *   same attempt twice must not ring the customer twice where the provider honours the key.
 * - `place` throws `PlacementError` only when the call was certainly NOT placed (the provider
 *   answered with a refusal). Any other error means "maybe placed": the attempt stays open
 *   without a call id and the sweeper reconciles it with `lookup`.
 * - `lookup` answers what the provider knows about the attempt's call: by `attempt.call_id`
 *   when it has one, else by whatever the provider can search on. `null` means the provider
 *   has no such call. It throws `LookupUnsupportedError` when it cannot tell at all.
 */
import type { CallAttempt } from '../calls/attempts.ts';
import type { LeadRow } from '../db/repos/leads.ts';
import type { NormalizedCallStatus, ProviderName } from '../telephony/provider.ts';

export type PlaceCallInput = {
  lead: LeadRow;
  attempt: CallAttempt;
  provider: ProviderName;
  /** Our number (caller id), E.164. */
  from: string;
  /** The customer's number, E.164. */
  to: string;
  /** TELEPHONY_TEST lead: placed with the emulator, never a real carrier. */
  isTest: boolean;
};

export type LookedUpCall = { callId: string; status: NormalizedCallStatus };

export interface CallPlacer {
  place(input: PlaceCallInput): Promise<{ callId: string }>;
  lookup(attempt: CallAttempt): Promise<LookedUpCall | null>;
}

/** The call was certainly not placed. `transient`: try again later without spending an attempt. */
export class PlacementError extends Error {
  override readonly name = 'PlacementError';
  constructor(
    message: string,
    readonly transient: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The placer has no way to find this attempt's call at the provider. */
export class LookupUnsupportedError extends Error {
  override readonly name = 'LookupUnsupportedError';
}
