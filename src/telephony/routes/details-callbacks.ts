/**
 * `/callback/details` (the recording) and the warm-transfer callbacks.
 *
 * The recording URL goes on its own attempt, and on the lead while that attempt is the lead's
 * latest: an earlier attempt's late recording never overwrites a later call's. It may arrive
 * after the attempt finished (Twilio sends it once the file is ready); the record is updated,
 * the reporting webhook already sent keeps what was known at the time.
 *
 * Transfer callbacks are authenticated and tied to their call here; what a transfer does with
 * them belongs to the warm-transfer feature, which plugs in through `onTransferEvent`.
 */
import { notFound } from '../../api/errors.ts';
import { now } from '../../core/ids.ts';
import type { CallAttempt } from '../../calls/attempts.ts';
import type { AnswerDocument, RenderedDocument } from '../provider.ts';
import { readFirst } from '../params.ts';
import { respondWith } from './answer-documents.ts';
import { resolveAttempt } from './attempt-lookup.ts';
import type { ProviderRequest, ProviderRouteDeps } from './route-deps.ts';

export async function handleDetailsCallback(deps: ProviderRouteDeps, req: ProviderRequest): Promise<void> {
  const rec = req.adapter.parseRecordingCallback(req.params);
  const attempt = await resolveAttempt(deps.db, req.adapter.name, rec, { attemptId: req.own.attempt, graceMs: deps.placementGraceMs });
  if (!attempt) throw notFound('Call');
  if (rec.recordingUrl === null) return;
  const at = now();
  await deps.db.updateTable('call_attempts').set({ recording_url: rec.recordingUrl, updated_at: at }).where('id', '=', attempt.id).execute();
  await deps.db
    .updateTable('leads')
    .set({ recording_url: rec.recordingUrl, updated_at: at })
    .where('id', '=', attempt.lead_id)
    .where('attempt_count', '=', attempt.attempt_number)
    .execute();
}

export type TransferEvent = {
  kind: 'status' | 'events';
  attempt: CallAttempt;
  req: ProviderRequest;
};

/** Answers a transfer callback; a document when the provider asked for one (a dial's action). */
export type TransferEventHandler = (event: TransferEvent) => Promise<AnswerDocument | null>;

// Until a transfer handler is plugged in: a dial that ended ends the call.
const defaultTransferHandler: TransferEventHandler = async (event) => (event.kind === 'status' ? [{ kind: 'hangup' }] : null);

export async function handleTransferCallback(
  deps: ProviderRouteDeps,
  req: ProviderRequest,
  kind: TransferEvent['kind'],
): Promise<RenderedDocument | null> {
  // The customer's call id: TwiML Dial action and Plivo callbacks carry it as the call's own id.
  const callId = readFirst(req.params, 'CallSid', 'CallUUID', 'call_uuid', 'ParentCallSid');
  if (req.own.attempt === undefined && callId === undefined) throw notFound('Call');
  const attempt = await resolveAttempt(deps.db, req.adapter.name, { callId: callId ?? '' }, { attemptId: req.own.attempt });
  if (!attempt) throw notFound('Call');
  const doc = await (deps.onTransferEvent ?? defaultTransferHandler)({ kind, attempt, req });
  deps.logger.info({ attempt_id: attempt.id, call_sid: attempt.call_id, kind }, 'transfer callback');
  // Flows (Exotel's Passthru after a Connect applet) get the branch the document takes.
  return doc === null ? null : respondWith(req.adapter, doc);
}
