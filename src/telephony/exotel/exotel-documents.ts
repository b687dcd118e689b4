// Answer documents as Exotel applet responses (telephony.md §3.2). Exotel has no answer
// document: a call runs an App Bazaar flow, and our URLs are the dynamic URLs of its
// applets, each of which expects its own response. A document is therefore read as
// "optional spoken prelude (say…), then one leading verb", and that verb picks the applet:
//
//   document                  applet that fetches it          response
//   ───────────────────────   ─────────────────────────────   ───────────────────────────────────────────
//   [] (empty)                Passthru (sync)                 200 text/plain ""   → flow's "200" branch
//   say…                      Greeting (dynamic text)         200 text/plain, the texts joined by a space
//   say…, hangup              Greeting, then a Hangup applet  same as say…
//   hangup | reject           Passthru (sync)                 302 text/plain ""   → flow's "302" branch (Hangup)
//   stream                    Voicebot (dynamic URL)          200 text/plain, the wss:// URL with the
//                                                             parameters and bb_secret in its query (U)
//   say…, gather              Gather (dynamic URL)            200 application/json (field names U, below)
//   say…, dial                Connect (dynamic URL)           200 application/json "Programmable Connect" (3P)
//   redirect                  —                               NotSupportedError (the flow decides what is next)
//
// Anything after the leading verb except a final `hangup` (which the flow's next applet
// does) is NotSupportedError, as is a say before a stream (put a Greeting applet first).
// A gather's actionUrl cannot be honoured: the digits go to the next applet of the flow
// (a Passthru), so the flow must point it at our gather route. Exotel gathers DTMF only.
// The Greeting applet also sends HEAD and wants the same headers: routes must answer it.
//
// Gather JSON, from memory of Exotel's "Gather applet dynamic URL" page (unconfirmed):
//   {"gather_prompt":{"text":"…"},"max_input_digits":4,"finish_on_key":"#","input_timeout":5}
// Connect JSON (§3.2, several independent implementations agree):
//   {"fetch_after_attempt":false,"destination":{"numbers":["+91…"]},"outgoing_phone_number":"0…",
//    "max_ringing_duration":30,"dial_passthru_event_url":"…",
//    "start_call_playback":{"playback_to":"both","type":"text","value":"…"}}
import { NotSupportedError } from '../errors.ts';
import type { AnswerDocument, AnswerVerb, DialVerb, GatherVerb, RenderedDocument, StreamVerb } from '../provider.ts';

export interface ExotelRenderOptions {
  /** Applied to every URL Exotel will call back (adds the deployment secret). */
  readonly prepareUrl: (url: string) => string;
}

const TEXT = 'text/plain; charset=utf-8';
const JSON_TYPE = 'application/json';

export function renderExotelResponse(doc: AnswerDocument, opts: ExotelRenderOptions): RenderedDocument {
  const leadAt = doc.findIndex((verb) => verb.kind !== 'say');
  const prelude = (leadAt < 0 ? doc : doc.slice(0, leadAt))
    .flatMap((verb) => (verb.kind === 'say' ? [verb.text] : []))
    .join(' ');
  const lead = leadAt < 0 ? undefined : doc[leadAt];
  const rest = leadAt < 0 ? [] : doc.slice(leadAt + 1);
  if (rest.some((verb, i) => verb.kind !== 'hangup' || i !== rest.length - 1)) {
    unsupported('verbs after the first non-say verb', 'the flow decides what follows an applet');
  }

  if (lead === undefined) return { contentType: TEXT, body: prelude };
  switch (lead.kind) {
    case 'say': // unreachable: the lead is the first non-say verb
    case 'hangup':
      return prelude === '' ? { status: 302, contentType: TEXT, body: '' } : { contentType: TEXT, body: prelude };
    case 'reject':
      if (prelude !== '') unsupported('say before reject', 'a Passthru cannot speak');
      return { status: 302, contentType: TEXT, body: '' };
    case 'stream':
      if (prelude !== '') unsupported('say before stream', 'put a Greeting applet before the Voicebot applet');
      return { contentType: TEXT, body: streamUrl(lead, opts) };
    case 'gather':
      return { contentType: JSON_TYPE, body: JSON.stringify(gatherJson(lead, prelude)) };
    case 'dial':
      return { contentType: JSON_TYPE, body: JSON.stringify(connectJson(lead, prelude, opts)) };
    case 'redirect':
      return unsupported('redirect', 'the flow decides which applet runs next');
    default:
      return exhaustive(lead);
  }
}

function streamUrl(verb: StreamVerb, opts: ExotelRenderOptions): string {
  const url = new URL(verb.url);
  for (const [key, value] of Object.entries(verb.parameters ?? {})) url.searchParams.set(key, value);
  return opts.prepareUrl(url.toString());
}

function gatherJson(verb: GatherVerb, prelude: string): Record<string, unknown> {
  if (!verb.input.includes('dtmf')) unsupported('speech gather', 'the Gather applet collects DTMF only');
  const prompt = [prelude, verb.prompt ?? ''].filter((t) => t !== '').join(' ');
  return {
    ...(prompt === '' ? {} : { gather_prompt: { text: prompt } }),
    ...(verb.numDigits === undefined ? {} : { max_input_digits: verb.numDigits }),
    finish_on_key: '#',
    input_timeout: verb.timeoutSeconds,
  };
}

function connectJson(verb: DialVerb, prelude: string, opts: ExotelRenderOptions): Record<string, unknown> {
  return {
    fetch_after_attempt: false,
    destination: { numbers: [verb.number] },
    ...(verb.callerId === undefined ? {} : { outgoing_phone_number: verb.callerId }),
    ...(verb.timeoutSeconds === undefined ? {} : { max_ringing_duration: verb.timeoutSeconds }),
    ...(verb.actionUrl === undefined ? {} : { dial_passthru_event_url: opts.prepareUrl(verb.actionUrl) }),
    ...(prelude === '' ? {} : { start_call_playback: { playback_to: 'both', type: 'text', value: prelude } }),
  };
}

function unsupported(feature: string, detail: string): never {
  throw new NotSupportedError('exotel', feature, detail);
}

function exhaustive(verb: never): never {
  throw new TypeError(`unknown verb ${(verb as AnswerVerb).kind}`);
}
