/**
 * The dispatcher's `CallPlacer` (src/dispatch/call-placer.ts) over the provider adapters:
 * TELEPHONY leads go to the real provider configured in the environment, TELEPHONY_TEST leads
 * to the in-process emulator, so a whole call runs with no provider account.
 *
 * Every URL handed to the provider names the attempt (`?attempt=<id>`, covered by the
 * provider's signature or Exotel's URL secret), so the first callback finds its attempt even
 * when it outruns the dispatcher's write of the call id. Real Exotel calls run the App Bazaar
 * flow of EXOTEL_FLOW_URL (Exotel accepts no other answer URL); emulated ones run the flow the
 * README documents, rooted at our `/exotel/answer`.
 *
 * Lookups (the sweeper reconciling an attempt whose call id was never recorded) are the
 * dispatcher's own provider lookups, pointed at the real provider or the emulator.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.ts';
import type { CallAttempt } from '../calls/attempts.ts';
import { PlacementError, type CallPlacer, type LookedUpCall, type PlaceCallInput } from '../dispatch/call-placer.ts';
import { createProviderCallPlacer } from '../dispatch/provider-call-placer.ts';
import { ProviderApiError } from './errors.ts';
import type { TelephonyRuntime } from './runtime.ts';

export type TelephonyCallPlacerOptions = {
  db: Kysely<Database>;
  runtime: TelephonyRuntime;
  /** How long a call may ring before the provider gives up. */
  ringTimeoutSeconds?: number;
};

// 429 and 5xx: overloaded or down; 401/403: credentials an operator must fix. Leads wait
// rather than burn their attempts (the same rule as the dispatcher's own placer).
const isTransient = (status: number): boolean => status === 429 || status >= 500 || status === 401 || status === 403;

export function createTelephonyCallPlacer(options: TelephonyCallPlacerOptions): CallPlacer {
  const { runtime } = options;
  const lookups = new Map<string, CallPlacer>();

  async function place(input: PlaceCallInput): Promise<{ callId: string }> {
    const adapter = runtime.adapter(input.provider, input.isTest);
    if (!adapter) {
      const why = input.isTest ? 'the provider emulator is not running (EMULATOR_ENABLED=false)' : `${input.provider} has no credentials on this deployment`;
      throw new PlacementError(`cannot place the call: ${why}`, true);
    }
    const query = { attempt: input.attempt.id };
    const answerUrl =
      adapter.capabilities.answerUrl === 'document' || input.isTest ? runtime.routeUrl(adapter, '/answer', query) : runtime.exotelFlowUrl;
    if (answerUrl === undefined) throw new PlacementError('cannot place the call: EXOTEL_FLOW_URL is not set', true);
    try {
      const placed = await adapter.placeCall({
        from: input.from,
        to: input.to,
        answerUrl,
        statusCallbackUrl: runtime.routeUrl(adapter, '/callback/status', query),
        recordingCallbackUrl: runtime.routeUrl(adapter, '/callback/details', query),
        idempotencyKey: input.attempt.dial_key,
        timeoutSeconds: options.ringTimeoutSeconds,
      });
      return { callId: placed.callId };
    } catch (err) {
      // An HTTP answer is a definite "no call"; no answer at all leaves it to the sweeper.
      if (err instanceof ProviderApiError && err.status !== null) throw new PlacementError(err.message, isTransient(err.status), { cause: err });
      throw err;
    }
  }

  function lookupFor(attempt: CallAttempt): CallPlacer {
    const test = attempt.is_test === 1;
    const key = test ? 'emulator' : 'real';
    let placer = lookups.get(key);
    if (!placer) {
      const telephony = test ? runtime.emulatorConfig() : runtime.realConfig;
      if (telephony === null) throw new PlacementError('the provider emulator is not running', true);
      placer = createProviderCallPlacer({ db: options.db, telephony, publicBaseUrl: runtime.publicBaseUrl, apiPrefix: runtime.apiPrefix });
      lookups.set(key, placer);
    }
    return placer;
  }

  return {
    place,
    lookup: (attempt: CallAttempt): Promise<LookedUpCall | null> => lookupFor(attempt).lookup(attempt),
  };
}
