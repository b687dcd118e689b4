/** What the provider routes are given, and what one verified provider request carries. */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../../db/schema.ts';
import type { ConversationRunner } from '../conversation-port.ts';
import type { CallbackParams, TelephonyProvider } from '../provider.ts';
import type { TelephonyRuntime } from '../runtime.ts';
import type { DocumentUrls } from './turns.ts';
import type { TransferEventHandler } from './details-callbacks.ts';

export type ProviderRouteDeps = {
  db: Kysely<Database>;
  logger: Logger;
  runtime: TelephonyRuntime;
  runner: ConversationRunner;
  /** How long a callback about an outbound call waits for the dispatcher to record its call id. */
  placementGraceMs: number;
  /** Warm transfer plugs in here; without it a dial that ended ends the call. */
  onTransferEvent?: TransferEventHandler;
  /** How long a transfer lets the agent's phone ring (TRANSFER_AGENT_TIMEOUT_SECONDS). */
  transferTimeoutSeconds?: number;
};

/** Query parameters of our own that ride on the URLs we hand out; never provider fields. */
export const OWN_QUERY_KEYS = ['attempt', 'turn', 'no_input', 'menu', 'try', 'bb_secret', 'transfer'] as const;
export type OwnQuery = { [K in (typeof OWN_QUERY_KEYS)[number]]?: string };

export type ProviderRequest = {
  /** The adapter whose key verified the request: the real provider's or the emulator's. */
  adapter: TelephonyProvider;
  /** Verified with the emulator's key: a TELEPHONY_TEST call. */
  test: boolean;
  /** The provider's fields: form or JSON body, plus the query string for GET applets. */
  params: CallbackParams;
  own: OwnQuery;
};

/** The URLs a document served at `turn` of an attempt points at. */
export function documentUrls(
  deps: Pick<ProviderRouteDeps, 'runtime' | 'transferTimeoutSeconds'>,
  req: ProviderRequest,
  attemptId: string,
  turn: number,
): DocumentUrls {
  const route = (path: string, query: Record<string, string>) => deps.runtime.routeUrl(req.adapter, path, query);
  return {
    gather: route('/gather', { attempt: attemptId, turn: String(turn) }),
    gatherSilence: route('/gather', { attempt: attemptId, turn: String(turn), no_input: '1' }),
    dialAction: route('/callback/transfer/status', { attempt: attemptId }),
    transferStart: route('/callback/transfer/status', { attempt: attemptId, transfer: 'start' }),
    transferEvents: route('/callback/transfer/events', { attempt: attemptId }),
    transferTimeoutSeconds: deps.transferTimeoutSeconds ?? 30,
  };
}
