/**
 * Documents shared by the answer paths: what a route answers for a document (flows answer a
 * branch instead), and the opening turn of an answered attempt (outbound, or inbound once
 * routed), which also starts the recording where a provider records only after the answer.
 */
import type { CallAttempt } from '../../calls/attempts.ts';
import type { AnswerDocument, RenderedDocument, TelephonyProvider } from '../provider.ts';
import { documentUrls, type ProviderRequest, type ProviderRouteDeps } from './route-deps.ts';
import { continuesWithGather, documentOf, serveTurn } from './turns.ts';

export const HANGUP: AnswerDocument = [{ kind: 'hangup' }];

/** What the route answers: the document, or (flows) the branch its Passthru takes. */
export function respondWith(adapter: TelephonyProvider, doc: AnswerDocument): RenderedDocument {
  if (adapter.capabilities.answerUrl === 'document') return adapter.render(doc);
  return adapter.render(continuesWithGather(doc) ? [] : HANGUP);
}

/** Turn 0 of an answered attempt: the conversation's opening, served once and then replayed. */
export async function openingTurn(deps: ProviderRouteDeps, req: ProviderRequest, attempt: CallAttempt): Promise<AnswerDocument> {
  if (attempt.finished_at !== null) return HANGUP;
  return serveTurn(deps.db, attempt.id, 0, async () => {
    const output = await deps.runner.begin(attempt.id);
    startRecording(deps, req, attempt);
    return documentOf(output, req.adapter, documentUrls(deps, req, attempt.id, 1));
  });
}

// Providers that record only once a call is answered (Plivo) are asked now; a failure costs
// the recording, never the call.
function startRecording(deps: ProviderRouteDeps, req: ProviderRequest, attempt: CallAttempt): void {
  const adapter = deps.runtime.adapter(req.adapter.name, req.test) ?? req.adapter;
  if (adapter.capabilities.recordingStart !== 'after-answer' || !adapter.startRecording || attempt.call_id === null) return;
  const callbackUrl = deps.runtime.routeUrl(adapter, '/callback/details', { attempt: attempt.id });
  adapter.startRecording(attempt.call_id, callbackUrl).catch((err: unknown) => {
    deps.logger.warn({ err, attempt_id: attempt.id, call_sid: attempt.call_id }, 'could not start the call recording');
  });
}
