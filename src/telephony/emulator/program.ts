/**
 * What the emulator executes for a call: the verbs of an answer document, read from TwiML,
 * Plivo XML or Exotel applet responses into one shape. Unknown elements are kept (and logged
 * on the call) rather than failing the call, as the providers skip what they do not run.
 */
import { elementsOf, parseXml, textOf, type XmlNode } from './xml-reader.ts';

export type Verb =
  | { kind: 'say'; text: string }
  | { kind: 'gather'; actionUrl?: string; input: string[]; numDigits?: number; timeoutSeconds: number; prompt: string[] }
  | { kind: 'dial'; number: string; actionUrl?: string; callerId?: string }
  | { kind: 'conference'; room: string; statusCallback?: string; startOnEnter: boolean; endOnExit: boolean }
  | { kind: 'hangup' }
  | { kind: 'reject'; reason: string }
  | { kind: 'redirect'; url: string }
  | { kind: 'stream'; url: string }
  | { kind: 'pause' }
  | { kind: 'unknown'; name: string };

export type Program = Verb[];

const num = (value: string | undefined, fallback?: number): number | undefined => {
  const n = value === undefined ? NaN : Number(value);
  return Number.isFinite(n) ? n : fallback;
};

/** TwiML (twilio-documents.ts writes it; the emulator reads it back as Twilio would). */
export function readTwiml(xml: string): Program {
  const root = parseXml(xml);
  if (root.name !== 'Response') throw new Error(`TwiML root must be <Response>, got <${root.name}>`);
  return elementsOf(root).map(twimlVerb);
}

function twimlVerb(el: XmlNode): Verb {
  switch (el.name) {
    case 'Say':
      return { kind: 'say', text: textOf(el) };
    case 'Gather':
      return {
        kind: 'gather',
        actionUrl: el.attrs.action,
        input: (el.attrs.input ?? 'dtmf').split(/\s+/),
        numDigits: num(el.attrs.numDigits),
        timeoutSeconds: num(el.attrs.timeout, 5)!,
        prompt: elementsOf(el).filter((c) => c.name === 'Say').map(textOf),
      };
    case 'Dial': {
      const conference = elementsOf(el).find((c) => c.name === 'Conference');
      if (conference) {
        return {
          kind: 'conference',
          room: textOf(conference),
          statusCallback: conference.attrs.statusCallback,
          startOnEnter: conference.attrs.startConferenceOnEnter !== 'false',
          endOnExit: conference.attrs.endConferenceOnExit === 'true',
        };
      }
      const number = elementsOf(el).find((c) => c.name === 'Number');
      return { kind: 'dial', number: number ? textOf(number) : textOf(el), actionUrl: el.attrs.action, callerId: el.attrs.callerId };
    }
    case 'Hangup':
      return { kind: 'hangup' };
    case 'Reject':
      return { kind: 'reject', reason: el.attrs.reason ?? 'rejected' };
    case 'Redirect':
      return { kind: 'redirect', url: textOf(el) };
    case 'Connect': {
      const stream = elementsOf(el).find((c) => c.name === 'Stream');
      return stream ? { kind: 'stream', url: stream.attrs.url ?? '' } : { kind: 'unknown', name: 'Connect' };
    }
    case 'Pause':
      return { kind: 'pause' };
    default:
      return { kind: 'unknown', name: el.name };
  }
}

/** Plivo XML (plivo-documents.ts writes it). */
export function readPlivoXml(xml: string): Program {
  const root = parseXml(xml);
  if (root.name !== 'Response') throw new Error(`Plivo XML root must be <Response>, got <${root.name}>`);
  return elementsOf(root).map(plivoVerb);
}

function plivoVerb(el: XmlNode): Verb {
  switch (el.name) {
    case 'Speak':
      return { kind: 'say', text: textOf(el) };
    case 'GetInput':
    case 'GetDigits':
      return {
        kind: 'gather',
        actionUrl: el.attrs.action,
        input: (el.attrs.inputType ?? 'dtmf').split(/\s+/),
        numDigits: num(el.attrs.numDigits),
        timeoutSeconds: num(el.attrs.executionTimeout ?? el.attrs.timeout, 5)!,
        prompt: elementsOf(el).filter((c) => c.name === 'Speak').map(textOf),
      };
    case 'Dial': {
      const number = elementsOf(el).find((c) => c.name === 'Number');
      const raw = number ? textOf(number) : '';
      return { kind: 'dial', number: /^\d+$/.test(raw) ? `+${raw}` : raw, actionUrl: el.attrs.action, callerId: el.attrs.callerId };
    }
    case 'Hangup':
      return el.attrs.reason ? { kind: 'reject', reason: el.attrs.reason } : { kind: 'hangup' };
    case 'Redirect':
      return { kind: 'redirect', url: textOf(el) };
    case 'Stream':
      return { kind: 'stream', url: textOf(el) };
    case 'Wait':
      return { kind: 'pause' };
    default:
      return { kind: 'unknown', name: el.name };
  }
}
