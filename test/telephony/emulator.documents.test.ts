// The emulator reads answer documents as the providers do: TwiML, Plivo XML, Exotel applet answers.
import { describe, expect, it } from 'vitest';
import { readPlivoXml, readTwiml } from '../../src/telephony/emulator/program.ts';
import { readAppletAnswer } from '../../src/telephony/emulator/exotel-dialect.ts';
import { parseXml, XmlError } from '../../src/telephony/emulator/xml-reader.ts';
import { renderTwiml } from '../../src/telephony/twilio/twilio-documents.ts';
import { renderPlivoXml } from '../../src/telephony/plivo/plivo-documents.ts';
import type { AnswerDocument } from '../../src/telephony/provider.ts';

const DOC: AnswerDocument = [
  { kind: 'say', text: 'Hi <Asha> & "friends"' },
  { kind: 'gather', input: ['dtmf', 'speech'], actionUrl: 'https://b.example/g?a=1&t=2', timeoutSeconds: 7, numDigits: 1, prompt: 'Press 1' },
  { kind: 'redirect', url: 'https://b.example/g?a=1&no_input=1' },
  { kind: 'dial', number: '+14155550000', actionUrl: 'https://b.example/d' },
  { kind: 'hangup' },
];

describe('reading answer documents', () => {
  it('reads back what the Twilio adapter renders', () => {
    expect(readTwiml(renderTwiml(DOC).body)).toEqual([
      { kind: 'say', text: 'Hi <Asha> & "friends"' },
      { kind: 'gather', actionUrl: 'https://b.example/g?a=1&t=2', input: ['dtmf', 'speech'], numDigits: 1, timeoutSeconds: 7, prompt: ['Press 1'] },
      { kind: 'redirect', url: 'https://b.example/g?a=1&no_input=1' },
      { kind: 'dial', number: '+14155550000', actionUrl: 'https://b.example/d', callerId: undefined },
      { kind: 'hangup' },
    ]);
  });

  it('reads back what the Plivo adapter renders (numbers without +, GetInput timeouts clamped)', () => {
    const program = readPlivoXml(renderPlivoXml(DOC).body);
    expect(program[1]).toMatchObject({ kind: 'gather', timeoutSeconds: 7, prompt: ['Press 1'] });
    expect(program[3]).toMatchObject({ kind: 'dial', number: '+14155550000' });
    expect(readPlivoXml('<Response><Hangup reason="busy"/></Response>')).toEqual([{ kind: 'reject', reason: 'busy' }]);
  });

  it('reads Exotel applet answers: Greeting text, Gather JSON, Connect JSON, a 302 branch', () => {
    expect(readAppletAnswer(200, 'text/plain', 'Thank you')).toEqual([{ kind: 'say', text: 'Thank you' }]);
    expect(readAppletAnswer(200, 'application/json', '{"gather_prompt":{"text":"Press 1"},"max_input_digits":1,"input_timeout":5}')).toEqual([
      { kind: 'gather', input: ['dtmf'], prompt: ['Press 1'], numDigits: 1, timeoutSeconds: 5 },
    ]);
    expect(readAppletAnswer(200, 'application/json', '{"destination":{"numbers":["+9198"]},"start_call_playback":{"value":"Connecting"}}')).toEqual([
      { kind: 'say', text: 'Connecting' },
      { kind: 'dial', number: '+9198' },
    ]);
    expect(readAppletAnswer(302, 'text/plain', '')).toEqual([{ kind: 'hangup' }]);
  });

  it('decodes entities and CDATA, keeps unknown verbs, and refuses broken XML', () => {
    expect(parseXml('<?xml version="1.0"?><!-- c --><R a="&#65;&#x42;"><![CDATA[<x>]]></R>')).toEqual({ name: 'R', attrs: { a: 'AB' }, children: ['<x>'] });
    expect(readTwiml('<Response><Play>u</Play></Response>')).toEqual([{ kind: 'unknown', name: 'Play' }]);
    expect(() => parseXml('<Response><Say>hi</Response>')).toThrow(XmlError);
    expect(() => readTwiml('<Nope/>')).toThrow(/Response/);
  });
});
