/**
 * The routes that carry the conversation: `/answer` (the call was answered: opening turn, or
 * inbound routing for a call Buddy did not place), `/gather` (a gathered input: the next turn)
 * and `/prompt` (the latest document, for flows that fetch it from a separate applet).
 *
 * Providers whose answer URL serves documents (Twilio, Plivo) get the document itself. Flow
 * providers (Exotel) call `/answer` and `/gather` from Passthru applets, which only choose a
 * branch: 200 when the call goes on to a Gather applet, 302 when it ends; the applet that
 * follows fetches the document from `/prompt` (README: "Exotel flow").
 */
import { notFound, badRequest } from '../../api/errors.ts';
import type { GatherResult, RenderedDocument } from '../provider.ts';
import type { TurnInput } from '../conversation-port.ts';
import { answerInbound, answerMenuChoice, inboundKey, storedMenuQuery } from '../inbound/inbound-answer.ts';
import { HANGUP, openingTurn, respondWith } from './answer-documents.ts';
import { bindCallId, resolveAttempt } from './attempt-lookup.ts';
import { documentUrls, type ProviderRequest, type ProviderRouteDeps } from './route-deps.ts';
import { applyStatus } from './status-callback.ts';
import { documentOf, latestTurn, serveTurn } from './turns.ts';

export async function handleAnswer(deps: ProviderRouteDeps, req: ProviderRequest): Promise<RenderedDocument> {
  const call = req.adapter.parseAnswerRequest(req.params);
  const graceMs = call.direction === 'outbound' ? deps.placementGraceMs : 0;
  const found = await resolveAttempt(deps.db, req.adapter.name, call, { attemptId: req.own.attempt, graceMs });
  if (!found) {
    // A call we placed must be known; anything else is someone calling one of our numbers.
    if (req.own.attempt !== undefined || call.direction === 'outbound') throw notFound('Call');
    return answerInbound(deps, req, call);
  }
  const attempt = await bindCallId(deps.db, found, call);
  await applyStatus(deps.db, attempt, {
    callId: call.callId,
    status: 'in-progress',
    providerStatus: 'answered',
    facts: { provider_status: 'ANSWERED', provider_reason: null, provider_hangup_cause: null },
  });
  return respondWith(req.adapter, await openingTurn(deps, req, attempt));
}

export async function handleGather(deps: ProviderRouteDeps, req: ProviderRequest): Promise<RenderedDocument> {
  const result = req.adapter.parseGatherResult(req.params);
  if (req.own.menu !== undefined) return answerMenuChoice(deps, req, result);
  const attempt = await resolveAttempt(deps.db, req.adapter.name, result, { attemptId: req.own.attempt });
  if (!attempt) {
    // A flow's static gather URL also serves the inbound menu, which has no attempt yet.
    const menu = req.own.attempt === undefined ? await storedMenuQuery(deps, req, result.callId) : null;
    if (menu) return answerMenuChoice(deps, { ...req, own: { ...req.own, ...menu } }, result);
    throw notFound('Call');
  }
  if (attempt.finished_at !== null) return respondWith(req.adapter, HANGUP);
  const turn = req.own.turn !== undefined ? parseTurn(req.own.turn) : (await latestTurn(deps.db, attempt.id)).turn + 1;
  const input = inputOf(result, req.own.no_input !== undefined);
  const doc = await serveTurn(deps.db, attempt.id, turn, async () => {
    const output = await deps.runner.respond(attempt.id, input);
    return documentOf(output, req.adapter, documentUrls(deps, req, attempt.id, turn + 1));
  });
  return respondWith(req.adapter, doc);
}

/** The latest document of a call, rendered for the applet that fetches it (GET and HEAD). */
export async function handlePrompt(deps: ProviderRouteDeps, req: ProviderRequest): Promise<RenderedDocument> {
  const ids = req.adapter.parseGatherResult(req.params);
  const attempt = await resolveAttempt(deps.db, req.adapter.name, ids, { attemptId: req.own.attempt });
  // Without an attempt: an inbound call still in the menu, or one that was blocked.
  const key = attempt ? attempt.id : req.own.attempt === undefined ? inboundKey(req, ids.callId) : null;
  const { document } = key === null ? { document: null } : await latestTurn(deps.db, key);
  if (document === null) throw notFound('Call');
  return req.adapter.render(document);
}

function inputOf(result: GatherResult, silence: boolean): TurnInput {
  if (!silence && result.digits) return { kind: 'dtmf', digits: result.digits };
  if (!silence && result.speech) return { kind: 'speech', text: result.speech };
  return { kind: 'no_input' };
}

function parseTurn(raw: string): number {
  if (!/^\d{1,6}$/.test(raw)) throw badRequest('turn must be a whole number');
  return Number(raw);
}
