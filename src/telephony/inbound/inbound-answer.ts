/**
 * Answering a call Buddy did not place (reference §15.5):
 *
 *   dialled number ─▶ templates mapped to it (inbound-routing.ts)
 *     none     ─▶ block action (BLOCKED_REJECT / BLOCKED_REDIRECT), no lead
 *     one      ─▶ policy (hours, blacklist, rate limit) ─▶ block, or an INBOUND lead + its conversation
 *     several  ─▶ menu: the templates' ivr_greeting in ivr_priority order, "press 1" = the first;
 *                 the caller presses (or says) a number ─▶ policy of the chosen template ─▶ as above;
 *                 nothing valid after MENU_TRIES prompts ─▶ ivr_goodbye, hang up (NO_SELECTION)
 *
 * Documents of a call that has no attempt yet are stored under the call's own key (turn 0 =
 * the answer, turn n = the menu's n-th reply), so a repeated request replays them instead of
 * counting the caller twice, and Exotel's applets can fetch them (`/prompt`).
 */
import { now } from '../../core/ids.ts';
import { notFound } from '../../api/errors.ts';
import { DEFAULT_CALL_CONFIG } from '../../domain/call-config.ts';
import type { AnswerDocument, AnswerRequest, AnswerVerb, GatherInput, GatherResult, RenderedDocument } from '../provider.ts';
import { parseQuery } from '../params.ts';
import { openingTurn, respondWith } from '../routes/answer-documents.ts';
import type { ProviderRequest, ProviderRouteDeps } from '../routes/route-deps.ts';
import { latestTurn, serveTurn } from '../routes/turns.ts';
import { blockFor, checkInboundPolicy } from './inbound-policy.ts';
import { createInboundLead, logInboundCall, type InboundCall } from './inbound-lead.ts';
import { findNumberRouting, toE164, type InboundCandidate, type NumberRouting } from './inbound-routing.ts';

export const MENU_TRIES = 3;
const MENU_TIMEOUT_S = 6;
const DEFAULT_GOODBYE = "We didn't catch your selection. Please call again. Goodbye.";
const NUMBER_WORDS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

/** The storage key of a call that has no attempt (yet). */
export const inboundKey = (req: ProviderRequest, callId: string) => `inbound:${req.adapter.name}:${callId}`;

export async function answerInbound(deps: ProviderRouteDeps, req: ProviderRequest, call: AnswerRequest): Promise<RenderedDocument> {
  const doc = await serveTurn(deps.db, inboundKey(req, call.callId), 0, async () => {
    const inbound = inboundCall(req, call);
    const routing = await findNumberRouting(deps.db, call.to);
    if (!routing || routing.enabled.length === 0) {
      const fallback = routing?.disabled[0] ?? null;
      const block = blockFor(fallback?.config ?? DEFAULT_CALL_CONFIG, 'no_template');
      await logInboundCall(deps.db, { ...inbound, outcome: block.outcome, reason: block.reason, number: routing?.number, candidate: fallback });
      return block.document;
    }
    if (routing.enabled.length === 1) return connect(deps, req, inbound, routing, routing.enabled[0]!);
    return menuDocument(deps, req, routing, 0);
  });
  return respondWith(req.adapter, doc);
}

/** The caller's reply to the menu (`/gather?menu=…&try=n`). */
export async function answerMenuChoice(deps: ProviderRouteDeps, req: ProviderRequest, result: GatherResult): Promise<RenderedDocument> {
  const call = req.adapter.parseAnswerRequest(req.params);
  const tries = Number(req.own.try ?? '0') + 1;
  const silent = req.own.no_input !== undefined;
  const doc = await serveTurn(deps.db, inboundKey(req, call.callId), tries, async () => {
    const inbound = inboundCall(req, call);
    const routing = await findNumberRouting(deps.db, call.to);
    if (!routing || routing.enabled.length === 0) throw notFound('Inbound menu for this number');
    const choice = silent ? null : pick(result, routing.enabled);
    if (choice) return connect(deps, req, inbound, routing, choice);
    if (tries < MENU_TRIES) return menuDocument(deps, req, routing, tries, silent ? undefined : 'Sorry, that is not an option.');
    await logInboundCall(deps.db, { ...inbound, outcome: 'NO_SELECTION', number: routing.number });
    const goodbye = routing.enabled[0]!.configurations.ivr_goodbye ?? DEFAULT_GOODBYE;
    return [{ kind: 'say', text: goodbye }, { kind: 'hangup' }];
  });
  return respondWith(req.adapter, doc);
}

/**
 * A flow's static gather URL (Exotel) cannot say it answers a menu: the call's stored menu
 * document does. Returns the menu context, or null when the call is not in a menu.
 */
export async function storedMenuQuery(deps: ProviderRouteDeps, req: ProviderRequest, callId: string): Promise<ProviderRequest['own'] | null> {
  const { document } = await latestTurn(deps.db, inboundKey(req, callId));
  const gather = document?.find((verb) => verb.kind === 'gather');
  if (!gather || gather.kind !== 'gather') return null;
  const query = parseQuery(gather.actionUrl);
  return query.menu?.[0] === undefined ? null : { menu: query.menu[0], try: query.try?.[0] ?? '0' };
}

async function connect(
  deps: ProviderRouteDeps,
  req: ProviderRequest,
  inbound: InboundCall,
  routing: NumberRouting,
  candidate: InboundCandidate,
): Promise<AnswerDocument> {
  const block = await checkInboundPolicy(deps.db, {
    config: candidate.config,
    resellerId: candidate.template.reseller_id,
    templateId: candidate.template.id,
    caller: inbound.caller,
    at: now(),
  });
  const logged = { ...inbound, number: routing.number, candidate };
  if (block) {
    await logInboundCall(deps.db, { ...logged, outcome: block.outcome, reason: block.reason });
    return block.document;
  }
  const attempt = await createInboundLead(deps.db, { ...inbound, candidate, number: routing.number });
  await logInboundCall(deps.db, { ...logged, outcome: 'CONNECTED', leadId: attempt.lead_id });
  return openingTurn(deps, req, attempt);
}

function menuDocument(deps: ProviderRouteDeps, req: ProviderRequest, routing: NumberRouting, tries: number, apology?: string): AnswerDocument {
  const lines = routing.enabled.map((c, i) => c.configurations.ivr_greeting ?? `Press ${i + 1} for ${c.template.name}.`);
  const query = { menu: routing.number.id, try: String(tries) };
  const supported = req.adapter.capabilities.gatherInputs;
  const input = (['dtmf', 'speech'] as const).filter((kind): kind is GatherInput => supported.includes(kind));
  const gather: AnswerVerb = {
    kind: 'gather',
    input,
    actionUrl: deps.runtime.routeUrl(req.adapter, '/gather', query),
    timeoutSeconds: MENU_TIMEOUT_S,
    numDigits: 1,
    prompt: [apology, ...lines].filter(Boolean).join(' '),
  };
  if (req.adapter.capabilities.answerUrl !== 'document') return [gather];
  return [gather, { kind: 'redirect', url: deps.runtime.routeUrl(req.adapter, '/gather', { ...query, no_input: '1' }) }];
}

/** The template a reply picks: a digit, a number word, or the template's name said aloud. */
function pick(result: GatherResult, enabled: InboundCandidate[]): InboundCandidate | null {
  const digit = result.digits?.trim().charAt(0);
  if (digit && /[1-9]/.test(digit)) return enabled[Number(digit) - 1] ?? null;
  const said = result.speech?.toLowerCase() ?? '';
  if (said === '') return null;
  const spoken = /\b([1-9])\b/.exec(said)?.[1] ?? String(NUMBER_WORDS.findIndex((w) => new RegExp(`\\b${w}\\b`).test(said)) + 1);
  if (spoken !== '0') return enabled[Number(spoken) - 1] ?? null;
  return enabled.find((c) => said.includes(c.template.name.toLowerCase())) ?? null;
}

function inboundCall(req: ProviderRequest, call: AnswerRequest): InboundCall {
  return { provider: req.adapter.name, callId: call.callId, caller: toE164(call.from), dialled: toE164(call.to), test: req.test };
}
