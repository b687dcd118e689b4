// Answer documents as Plivo XML (telephony.md §2.2; element classes of plivo-python).
//
//   say      → <Speak voice language>text</Speak>
//   gather   → <GetInput inputType="dtmf speech" action method="POST" executionTimeout numDigits><Speak>prompt</Speak></GetInput>
//              executionTimeout is clamped to Plivo's 5–60 s range
//   stream   → <Stream bidirectional="true" keepCallAlive="true" contentType="audio/x-mulaw;rate=8000"
//                      statusCallbackUrl statusCallbackMethod extraHeaders="k=v,…">wss://…</Stream>
//              contentType is explicit because Plivo's default is L16; the URL is the text content;
//              keepCallAlive makes later elements run only after our socket closes (as Twilio's <Connect>)
//   dial     → <Dial callerId action method="POST" timeout><Number>…</Number></Dial>
//   hangup   → <Hangup/>
//   redirect → <Redirect method="POST">url</Redirect>
//   reject   → <Hangup reason="rejected|busy"/>
//
// Plivo wants numbers as country code + digits with no '+', so a leading '+' is dropped.
import type { AnswerDocument, AnswerVerb, RenderedDocument } from '../provider.ts';
import { XML_DECLARATION, xmlElement, xmlTextElement } from '../xml.ts';

type Renderers = { readonly [K in AnswerVerb['kind']]: (verb: Extract<AnswerVerb, { kind: K }>) => string };

// Plivo documents extraHeaders as letters and digits only, at most 512 bytes in all.
const EXTRA_HEADER_PART = /^[A-Za-z0-9]+$/;

const RENDER: Renderers = {
  say: (v) => xmlTextElement('Speak', { voice: v.voice, language: v.language }, v.text),
  gather: (v) =>
    xmlElement(
      'GetInput',
      {
        inputType: v.input.join(' '),
        action: v.actionUrl,
        method: 'POST',
        executionTimeout: Math.min(60, Math.max(5, Math.round(v.timeoutSeconds))),
        numDigits: v.numDigits,
      },
      v.prompt === undefined ? undefined : xmlTextElement('Speak', {}, v.prompt),
    ),
  stream: (v) =>
    xmlTextElement(
      'Stream',
      {
        bidirectional: true,
        keepCallAlive: true,
        contentType: 'audio/x-mulaw;rate=8000',
        statusCallbackUrl: v.statusCallbackUrl,
        statusCallbackMethod: v.statusCallbackUrl === undefined ? undefined : 'POST',
        extraHeaders: extraHeaders(v.parameters),
      },
      v.url,
    ),
  dial: (v) =>
    xmlElement(
      'Dial',
      {
        callerId: v.callerId === undefined ? undefined : plivoNumber(v.callerId),
        action: v.actionUrl,
        method: v.actionUrl === undefined ? undefined : 'POST',
        timeout: v.timeoutSeconds,
      },
      xmlTextElement('Number', {}, plivoNumber(v.number)),
    ),
  hangup: () => xmlElement('Hangup'),
  redirect: (v) => xmlTextElement('Redirect', { method: 'POST' }, v.url),
  reject: (v) => xmlElement('Hangup', { reason: v.reason ?? 'rejected' }),
};

export function renderPlivoXml(doc: AnswerDocument): RenderedDocument {
  const elements = doc.map((verb) => (RENDER[verb.kind] as (v: AnswerVerb) => string)(verb)).join('');
  return { contentType: 'application/xml', body: `${XML_DECLARATION}${xmlElement('Response', {}, elements)}` };
}

/** E.164 to Plivo's form; SIP URIs pass through. */
export function plivoNumber(number: string): string {
  return number.startsWith('+') ? number.slice(1) : number;
}

function extraHeaders(parameters: Readonly<Record<string, string>> | undefined): string | undefined {
  if (parameters === undefined) return undefined;
  const entries = Object.entries(parameters);
  if (entries.length === 0) return undefined;
  for (const [key, value] of entries) {
    if (!EXTRA_HEADER_PART.test(key) || !EXTRA_HEADER_PART.test(value)) {
      throw new RangeError(`plivo: stream parameter ${key} must be letters and digits only (Plivo extraHeaders)`);
    }
  }
  const joined = entries.map(([key, value]) => `${key}=${value}`).join(',');
  if (Buffer.byteLength(joined) > 512) throw new RangeError('plivo: stream parameters exceed 512 bytes (Plivo extraHeaders)');
  return joined;
}
