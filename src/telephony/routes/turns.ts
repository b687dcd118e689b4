/**
 * Conversation turns as provider answer documents, and the record of every document served.
 *
 * Turn 0 answers the call; turn n answers the n-th gather. Each document is stored under
 * (attempt, turn) before it is sent, so a provider repeating a request (a retried gather
 * action) gets the same document back and the conversation does not hear the input twice.
 * Providers that fetch the document separately from the request that produced it (Exotel's
 * Passthru → Gather applet) read the latest one.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.ts';
import { fromJson, toJson } from '../../db/json.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import { now } from '../../core/ids.ts';
import { conflict } from '../../api/errors.ts';
import type { AnswerDocument, AnswerVerb, GatherInput, TelephonyProvider } from '../provider.ts';
import type { TurnOutput } from '../conversation-port.ts';

export type DocumentUrls = {
  /** Where the gather of this document posts its result (the next turn). */
  gather: string;
  /** Where the same gather reports that nothing was heard. */
  gatherSilence: string;
  /** Where a dial reports how it ended. */
  dialAction: string;
  /** Warm transfer (src/transfer): where the customer's call goes to be handed over. */
  transferStart: string;
  /** Warm transfer: where the agent's leg reports its events. */
  transferEvents: string;
  transferTimeoutSeconds: number;
};

/** A turn's output as the verbs of an answer document. */
export function documentOf(out: TurnOutput, adapter: TelephonyProvider, urls: DocumentUrls): AnswerDocument {
  const says: AnswerVerb[] = out.say.filter((text) => text.trim() !== '').map((text) => ({ kind: 'say', text }));
  const next = out.next;
  switch (next.kind) {
    case 'hangup':
      return [...says, { kind: 'hangup' }];
    case 'transfer':
      // A warm transfer (src/transfer): document providers fetch the hand-over, which bridges
      // the agent in through the provider's API; flows (Exotel) dial from a Connect applet,
      // whose end comes back as a transfer event.
      if (adapter.capabilities.answerUrl === 'document') return [...says, { kind: 'redirect', url: urls.transferStart }];
      return [...says, { kind: 'dial', number: next.number, actionUrl: urls.transferEvents, timeoutSeconds: urls.transferTimeoutSeconds }];
    case 'gather': {
      const supported = adapter.capabilities.gatherInputs;
      const input = next.input.filter((kind): kind is GatherInput => supported.includes(kind));
      // The last sentence is the question: inside the gather, so the caller may answer over it.
      const prompt = says.length > 0 ? (says.pop() as { text: string }).text : undefined;
      const gather: AnswerVerb = {
        kind: 'gather',
        input: input.length > 0 ? input : ['dtmf'],
        actionUrl: urls.gather,
        timeoutSeconds: next.timeoutSeconds,
        ...(next.numDigits === undefined ? {} : { numDigits: next.numDigits }),
        ...(prompt === undefined ? {} : { prompt }),
      };
      // A gather that hears nothing falls through to the next verb (TwiML, Plivo XML); flows
      // (Exotel) move to their next applet instead, which is our gather route anyway.
      const silence: AnswerVerb[] = adapter.capabilities.answerUrl === 'document' ? [{ kind: 'redirect', url: urls.gatherSilence }] : [];
      return [...says, gather, ...silence];
    }
  }
}

/** Whether the call goes on listening after this document (Exotel's Passthru branches on it). */
export function continuesWithGather(doc: AnswerDocument): boolean {
  return doc.some((verb) => verb.kind === 'gather');
}

/**
 * The document of one turn: the stored one when this turn was already served, otherwise the
 * one `compute` produces, stored first. A turn still being computed by a concurrent duplicate
 * request is a 409 (the provider retries or gives up; the conversation hears the input once).
 */
export async function serveTurn(
  db: Kysely<Database>,
  attemptId: string,
  turn: number,
  compute: () => Promise<AnswerDocument>,
): Promise<AnswerDocument> {
  const stored = await readTurn(db, attemptId, turn);
  if (stored !== undefined) return stored ?? inFlight();
  try {
    await db.insertInto('call_turns').values({ attempt_id: attemptId, turn, document: null, created_at: now() }).execute();
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    return (await readTurn(db, attemptId, turn)) ?? inFlight();
  }
  try {
    const doc = await compute();
    await db.updateTable('call_turns').set({ document: toJson(doc) }).where('attempt_id', '=', attemptId).where('turn', '=', turn).execute();
    return doc;
  } catch (err) {
    await db.deleteFrom('call_turns').where('attempt_id', '=', attemptId).where('turn', '=', turn).execute();
    throw err;
  }
}

/** The number of the latest turn served (-1 before the call was answered). */
export async function latestTurn(db: Kysely<Database>, attemptId: string): Promise<{ turn: number; document: AnswerDocument | null }> {
  const row = await db
    .selectFrom('call_turns')
    .select(['turn', 'document'])
    .where('attempt_id', '=', attemptId)
    .orderBy('turn', 'desc')
    .executeTakeFirst();
  return row ? { turn: row.turn, document: fromJson<AnswerDocument | null>(row.document, null) } : { turn: -1, document: null };
}

/** undefined: never served; null: being computed right now. */
async function readTurn(db: Kysely<Database>, attemptId: string, turn: number): Promise<AnswerDocument | null | undefined> {
  const row = await db
    .selectFrom('call_turns')
    .select('document')
    .where('attempt_id', '=', attemptId)
    .where('turn', '=', turn)
    .executeTakeFirst();
  return row === undefined ? undefined : fromJson<AnswerDocument | null>(row.document, null);
}

function inFlight(): never {
  throw conflict('this turn is still being answered');
}
