// Answer documents as TwiML (telephony.md §1.2, attribute names from twilio-node VoiceResponse.ts).
//
//   say      → <Say voice language>text</Say>
//   gather   → <Gather input="dtmf speech" action method="POST" timeout numDigits><Say>prompt</Say></Gather>
//   stream   → <Connect><Stream url statusCallback statusCallbackMethod><Parameter name value/>…</Stream></Connect>
//              (bidirectional; Twilio runs the next verb only after we close the socket)
//   dial     → <Dial callerId action method="POST" timeout>number</Dial>
//   hangup   → <Hangup/>
//   redirect → <Redirect method="POST">url</Redirect>
//   reject   → <Reject reason/>
import type { AnswerDocument, AnswerVerb, RenderedDocument } from '../provider.ts';
import { XML_DECLARATION, xmlElement, xmlTextElement } from '../xml.ts';

type Renderers = { readonly [K in AnswerVerb['kind']]: (verb: Extract<AnswerVerb, { kind: K }>) => string };

const RENDER: Renderers = {
  say: (v) => xmlTextElement('Say', { voice: v.voice, language: v.language }, v.text),
  gather: (v) =>
    xmlElement(
      'Gather',
      {
        input: v.input.join(' '),
        action: v.actionUrl,
        method: 'POST',
        timeout: v.timeoutSeconds,
        numDigits: v.numDigits,
      },
      v.prompt === undefined ? undefined : xmlTextElement('Say', {}, v.prompt),
    ),
  stream: (v) => {
    const parameters = Object.entries(v.parameters ?? {})
      .map(([name, value]) => xmlElement('Parameter', { name, value }))
      .join('');
    const attributes = {
      url: v.url,
      statusCallback: v.statusCallbackUrl,
      statusCallbackMethod: v.statusCallbackUrl === undefined ? undefined : 'POST',
    };
    return xmlElement('Connect', {}, xmlElement('Stream', attributes, parameters === '' ? undefined : parameters));
  },
  dial: (v) =>
    xmlTextElement(
      'Dial',
      {
        callerId: v.callerId,
        action: v.actionUrl,
        method: v.actionUrl === undefined ? undefined : 'POST',
        timeout: v.timeoutSeconds,
      },
      v.number,
    ),
  hangup: () => xmlElement('Hangup'),
  redirect: (v) => xmlTextElement('Redirect', { method: 'POST' }, v.url),
  reject: (v) => xmlElement('Reject', { reason: v.reason }),
};

export function renderTwiml(doc: AnswerDocument): RenderedDocument {
  const verbs = doc.map((verb) => (RENDER[verb.kind] as (v: AnswerVerb) => string)(verb)).join('');
  return { contentType: 'text/xml', body: `${XML_DECLARATION}${xmlElement('Response', {}, verbs)}` };
}

export interface ConferenceTwimlOptions {
  readonly room: string;
  /** False: this participant hears hold music until one with true joins. */
  readonly startConferenceOnEnter: boolean;
  readonly endConferenceOnExit: boolean;
  readonly eventsCallbackUrl: string;
  /** Spoken to this participant before joining. */
  readonly whisper?: string;
}

/** `<Dial><Conference>` used by the warm transfer (§1.7 recipe) for both legs. */
export function conferenceTwiml(opts: ConferenceTwimlOptions): string {
  const conference = xmlTextElement(
    'Conference',
    {
      startConferenceOnEnter: opts.startConferenceOnEnter,
      endConferenceOnExit: opts.endConferenceOnExit,
      statusCallback: opts.eventsCallbackUrl,
      statusCallbackMethod: 'POST',
      statusCallbackEvent: 'start end join leave',
    },
    opts.room,
  );
  const whisper = opts.whisper === undefined ? '' : xmlTextElement('Say', {}, opts.whisper);
  return `${XML_DECLARATION}${xmlElement('Response', {}, whisper + xmlElement('Dial', {}, conference))}`;
}
