/**
 * Warm transfer: what the transfer callbacks do (plugged into the provider routes as
 * `onTransferEvent`). The conversation's `warm_transfer` action ends it TRANSFERRED with a
 * target number; the turn's document then hands the call over, per provider:
 *
 *   Twilio, Plivo (answer documents)  the customer's call fetches `transfer/status?transfer=start`:
 *        the agent is dialled into a room (Twilio conference / Plivo MultiPartyCall) through
 *        the adapter's warm transfer, and the customer is moved in to wait for the agent.
 *        The agent leg reports to `transfer/status?transfer=agent`, the room to `transfer/events`.
 *   Exotel (flows)  the Connect applet dials the agent itself; its end is reported to
 *        `transfer/events` (dial_passthru_event_url) and, when nobody answered, the flow's
 *        Passthru after the Connect applet asks `transfer/status` which branch to take.
 *
 * Success: the agent answered (or joined the room). Failure: the provider API refused
 * (`conference_api_error`), the agent's phone rang out (`agent_timeout`, the provider enforcing
 * TRANSFER_AGENT_TIMEOUT_SECONDS) or refused (`agent_unavailable`): the conversation resumes,
 * the caller hears why, and the call goes back to the AI (Twilio/Plivo: redirected to `/prompt`;
 * Exotel: the Passthru answers 200, back to the Gather applet). See transfer-repo.ts.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.ts';
import type { CallAttempt } from '../calls/attempts.ts';
import type { TransferFailure } from '../conversation/engine.ts';
import type { TurnOutput } from '../conversation/turn.ts';
import { engineStateOf } from '../conversation/call-records.ts';
import { readFirst } from '../telephony/params.ts';
import type { AnswerDocument, TelephonyProvider } from '../telephony/provider.ts';
import type { TelephonyRuntime } from '../telephony/runtime.ts';
import type { TransferEvent, TransferEventHandler } from '../telephony/routes/details-callbacks.ts';
import { documentUrls, type ProviderRequest } from '../telephony/routes/route-deps.ts';
import { documentOf, latestTurn, serveTurn } from '../telephony/routes/turns.ts';
import { createTransfer, FAILURE_MESSAGES, latestTransfer, noteAgentCall, settle, type TransferFailureReason, type TransferRow } from './transfer-repo.ts';

export type WarmTransferDeps = {
  db: Kysely<Database>;
  logger: Logger;
  runtime: TelephonyRuntime;
  runner: { resume(attemptId: string, failure: TransferFailure): Promise<TurnOutput | null> };
  timeoutSeconds: number;
};

const HANGUP: AnswerDocument = [{ kind: 'hangup' }];
// Only heard if the provider runs our answer before its own move of the call into the room.
const HOLD: AnswerDocument = [{ kind: 'say', text: 'Please hold while I connect you.' }];
const ANSWERED = /^(completed|answered|in-progress)$/i;

export function createWarmTransferHandler(deps: WarmTransferDeps): TransferEventHandler {
  const { db } = deps;
  // The adapter that can act on the call: the emulator's for test calls.
  const actor = (req: ProviderRequest): TelephonyProvider => deps.runtime.adapter(req.adapter.name, req.test) ?? req.adapter;

  /** The conversation's transfer target, while it is waiting on a transfer. */
  const targetOf = (attempt: CallAttempt): string | null => {
    const state = engineStateOf(attempt);
    return state?.ending?.session_end_reason === 'TRANSFERRED' ? state.transfer_number : null;
  };

  /** Settles a failure and resumes the conversation; the document that goes on, or null if another request did. */
  async function fail(event: TransferEvent, row: TransferRow | undefined, reason: TransferFailureReason, error?: string): Promise<AnswerDocument | null> {
    const { attempt, req } = event;
    if (row && !(await settle(db, row.id, { status: 'failed', reason, ...(error === undefined ? {} : { error }) }))) return null;
    deps.logger.warn({ attempt_id: attempt.id, call_sid: attempt.call_id, reason, err: error }, 'warm transfer failed; the AI carries on');
    const output = await deps.runner.resume(attempt.id, { status: 'failed', reason, message: FAILURE_MESSAGES[reason], ...(error === undefined ? {} : { error }) });
    if (output === null) return null;
    const turn = (await latestTurn(db, attempt.id)).turn + 1;
    const urls = documentUrls({ runtime: deps.runtime, transferTimeoutSeconds: deps.timeoutSeconds }, req, attempt.id, turn + 1);
    return serveTurn(db, attempt.id, turn, async () => documentOf(output, req.adapter, urls));
  }

  /** The customer's call arrives to be handed over (Twilio, Plivo). */
  async function start(event: TransferEvent): Promise<AnswerDocument> {
    const { attempt, req } = event;
    const current = await latestTransfer(db, attempt.id);
    if (current?.status === 'initiated') return HOLD; // a repeated request
    const agentNumber = targetOf(attempt);
    if (agentNumber === null || attempt.call_id === null) return (await fail(event, undefined, 'agent_not_assigned')) ?? HANGUP;
    const adapter = actor(req);
    const room = `transfer-${attempt.call_id}${current ? `-${current.created_at}` : ''}`;
    const row = await createTransfer(db, { attemptId: attempt.id, provider: adapter.name, room, agentNumber });
    try {
      const result = await adapter.transfer({
        mode: 'warm',
        callId: attempt.call_id,
        room,
        agentNumber,
        from: attempt.from_number ?? attempt.to_number,
        statusCallbackUrl: deps.runtime.routeUrl(adapter, '/callback/transfer/status', { attempt: attempt.id, transfer: 'agent' }),
        eventsCallbackUrl: deps.runtime.routeUrl(adapter, '/callback/transfer/events', { attempt: attempt.id }),
        timeoutSeconds: deps.timeoutSeconds,
      });
      if (result.agentCallId) await noteAgentCall(db, row.id, result.agentCallId);
      return HOLD;
    } catch (err) {
      return (await fail(event, row, 'conference_api_error', err instanceof Error ? err.message : String(err))) ?? HANGUP;
    }
  }

  /** Sends a customer waiting in the room back to the AI (Twilio, Plivo). */
  async function bringBack(event: TransferEvent, doc: AnswerDocument | null): Promise<void> {
    const { attempt, req } = event;
    if (doc === null || attempt.call_id === null) return;
    const adapter = actor(req);
    const url = deps.runtime.routeUrl(adapter, '/prompt', { attempt: attempt.id });
    await adapter.transfer({ mode: 'redirect', callId: attempt.call_id, url }).catch((err: unknown) => {
      deps.logger.error({ err, attempt_id: attempt.id, call_sid: attempt.call_id }, 'could not bring the caller back from a failed transfer');
    });
  }

  /** The agent leg's progress (Twilio, Plivo). */
  async function agentLeg(event: TransferEvent): Promise<void> {
    const row = await latestTransfer(db, event.attempt.id);
    if (!row) return;
    const cb = actor(event.req).parseStatusCallback(event.req.params);
    if (cb.callId !== row.agent_call_id) await noteAgentCall(db, row.id, cb.callId);
    if (cb.status === 'in-progress' || cb.status === 'completed') {
      await settle(db, row.id, { status: 'success' });
    } else if (cb.status === 'no-answer' || cb.status === 'busy' || cb.status === 'failed' || cb.status === 'canceled') {
      await bringBack(event, await fail(event, row, cb.status === 'no-answer' ? 'agent_timeout' : 'agent_unavailable'));
    }
  }

  /** A dial that ended: Exotel's Connect applet (event or Passthru), or a plain `<Dial action>`. */
  async function dialEnded(event: TransferEvent): Promise<AnswerDocument | null> {
    const { attempt, req } = event;
    const word = readFirst(req.params, 'DialCallStatus', 'DialStatus') ?? '';
    let row = await latestTransfer(db, attempt.id);
    const target = targetOf(attempt);
    if ((!row || row.status === 'failed') && target !== null && attempt.call_id !== null) {
      // Exotel dialled on its own: this is the first Buddy hears of the transfer.
      row = await createTransfer(db, { attemptId: attempt.id, provider: req.adapter.name, room: `transfer-${attempt.call_id}`, agentNumber: target });
    }
    if (!row) return HANGUP;
    const agentCallId = readFirst(req.params, 'DialCallSid', 'DialBLegUUID');
    if (agentCallId && !row.agent_call_id) await noteAgentCall(db, row.id, agentCallId);
    if (ANSWERED.test(word)) {
      await settle(db, row.id, { status: 'success' });
      return HANGUP;
    }
    const doc = await fail(event, row, /no-?answer|timeout/i.test(word) ? 'agent_timeout' : 'agent_unavailable');
    if (doc) return doc;
    // Settled by the other of Exotel's two requests: follow what that one decided.
    const settled = await latestTransfer(db, attempt.id);
    return settled?.status === 'failed' ? ((await latestTurn(db, attempt.id)).document ?? HANGUP) : HANGUP;
  }

  /** Room events (Twilio conference, Plivo MultiPartyCall): the agent joining is the success. */
  async function roomEvent(event: TransferEvent): Promise<void> {
    const row = await latestTransfer(db, event.attempt.id);
    if (!row) return;
    const name = readFirst(event.req.params, 'StatusCallbackEvent', 'EventName') ?? '';
    const participant = readFirst(event.req.params, 'CallSid', 'ParticipantCallUUID', 'CallUUID');
    if (!/join/i.test(name) || participant === undefined || participant === event.attempt.call_id) return;
    if (row.agent_call_id !== participant) await noteAgentCall(db, row.id, participant);
    await settle(db, row.id, { status: 'success' });
  }

  return async (event) => {
    const step = event.req.own.transfer;
    if (event.kind === 'status' && step === 'start') return start(event);
    if (event.kind === 'status' && step === 'agent') {
      await agentLeg(event);
      return null;
    }
    const isDial = readFirst(event.req.params, 'DialCallStatus', 'DialStatus') !== undefined;
    if (event.kind === 'status' || isDial) {
      const doc = await dialEnded(event);
      // Exotel's dial event is a notification: its answer is ignored.
      return event.kind === 'events' ? null : doc;
    }
    await roomEvent(event);
    return null;
  };
}
