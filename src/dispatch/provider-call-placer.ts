/**
 * A `CallPlacer` over the provider adapters of src/telephony: the answer and status URLs are
 * Buddy's provider routes under PUBLIC_BASE_URL + API_PREFIX, and the attempt's `dial_key` is
 * the idempotency key of the REST request.
 *
 * Lookup of an attempt that has no call id (a crash between the provider's answer and our
 * database write): only Twilio's REST API can search calls, by To/From, newest first; a call
 * created no earlier than the attempt and not already bound to another attempt is ours. Plivo
 * and Exotel cannot be searched, so such an attempt ends UNKNOWN rather than risk a second call.
 */
import { z } from 'zod';
import type { Kysely } from 'kysely';
import type { CallAttempt } from '../calls/attempts.ts';
import type { Database } from '../db/schema.ts';
import type { TelephonyConfig } from '../telephony/index.ts';
import { createProvider, mapCarrierStatus, ProviderApiError } from '../telephony/index.ts';
import type { ProviderName, TelephonyProvider } from '../telephony/provider.ts';
import { requestProviderApi } from '../telephony/rest-client.ts';
import { LookupUnsupportedError, PlacementError, type CallPlacer, type LookedUpCall, type PlaceCallInput } from './call-placer.ts';

export type ProviderCallPlacerOptions = {
  /** To tell our other attempts' calls apart when searching a provider. */
  db: Kysely<Database>;
  telephony: TelephonyConfig;
  publicBaseUrl: string;
  apiPrefix: string;
  /** How long a call may ring before the provider gives up. */
  ringTimeoutSeconds?: number;
};

// 429 and 5xx: the provider is overloaded or down. 401/403: our credentials are wrong, which an
// operator fixes; leads wait instead of burning their attempts.
const TRANSIENT_STATUSES = (status: number): boolean => status === 429 || status >= 500 || status === 401 || status === 403;

// Twilio's clock has one-second resolution; allow for skew between it and ours.
const LOOKUP_SKEW_MS = 5_000;

const TwilioCallList = z.object({
  calls: z.array(z.object({ sid: z.string(), status: z.string(), date_created: z.string().nullish() })),
});

export function createProviderCallPlacer(options: ProviderCallPlacerOptions): CallPlacer {
  const adapters = new Map<ProviderName, TelephonyProvider>();
  const adapter = (name: ProviderName): TelephonyProvider => {
    let found = adapters.get(name);
    if (!found) {
      try {
        found = createProvider(name, options.telephony);
      } catch (err) {
        throw new PlacementError(`provider ${name} is not configured on this deployment`, true, { cause: err });
      }
      adapters.set(name, found);
    }
    return found;
  };
  const route = (name: ProviderName, path: string): string => `${options.publicBaseUrl}${options.apiPrefix}/${name}${path}`;

  async function place(input: PlaceCallInput): Promise<{ callId: string }> {
    const provider = adapter(input.provider);
    try {
      const placed = await provider.placeCall({
        from: input.from,
        to: input.to,
        answerUrl: provider.prepareCallbackUrl(route(input.provider, '/answer')),
        statusCallbackUrl: provider.prepareCallbackUrl(route(input.provider, '/callback/status')),
        recordingCallbackUrl: provider.prepareCallbackUrl(route(input.provider, '/callback/details')),
        idempotencyKey: input.attempt.dial_key,
        timeoutSeconds: options.ringTimeoutSeconds,
      });
      return { callId: placed.callId };
    } catch (err) {
      // An HTTP answer is a definite "no call"; no answer at all leaves it open for reconciliation.
      if (err instanceof ProviderApiError && err.status !== null) {
        throw new PlacementError(err.message, TRANSIENT_STATUSES(err.status), { cause: err });
      }
      throw err;
    }
  }

  async function lookup(attempt: CallAttempt): Promise<LookedUpCall | null> {
    const name = attempt.provider as ProviderName;
    if (attempt.call_id !== null) {
      try {
        const call = await adapter(name).fetchCall(attempt.call_id);
        return { callId: attempt.call_id, status: call.status };
      } catch (err) {
        if (err instanceof ProviderApiError && err.status === 404) return null;
        throw err;
      }
    }
    if (name !== 'twilio' || !options.telephony.twilio) {
      throw new LookupUnsupportedError(`${name} calls cannot be searched; the attempt's call is unknown`);
    }
    return findTwilioCall(options.db, options.telephony.twilio, attempt);
  }

  return { place, lookup };
}

async function findTwilioCall(
  db: Kysely<Database>,
  twilio: NonNullable<TelephonyConfig['twilio']>,
  attempt: CallAttempt,
): Promise<LookedUpCall | null> {
  const api = { provider: 'twilio' as const, baseUrl: twilio.apiBaseUrl ?? 'https://api.twilio.com', username: twilio.accountSid, password: twilio.authToken };
  const query = new URLSearchParams({ To: attempt.to_number, PageSize: '20' });
  if (attempt.from_number) query.set('From', attempt.from_number);
  const req = { method: 'GET' as const, path: `/2010-04-01/Accounts/${encodeURIComponent(twilio.accountSid)}/Calls.json?${query}` };
  const { data: list } = await requestProviderApi(api, req, TwilioCallList);
  const recent = list.calls.filter((call) => {
    const created = call.date_created ? Date.parse(call.date_created) : NaN;
    return Number.isFinite(created) && created >= attempt.created_at - LOOKUP_SKEW_MS;
  });
  if (recent.length === 0) return null;
  const bound = await db
    .selectFrom('call_attempts')
    .select('call_id')
    .where('provider', '=', 'twilio')
    .where('call_id', 'in', recent.map((c) => c.sid))
    .where('id', '!=', attempt.id)
    .execute();
  const taken = new Set(bound.map((b) => b.call_id));
  // Oldest unbound first: the list is newest first, and ours was created before any later one.
  const ours = recent.reverse().find((call) => !taken.has(call.sid));
  return ours ? { callId: ours.sid, status: mapCarrierStatus(ours.status, null).status } : null;
}
