import { describe, expect, it } from 'vitest';
import { renderPlivoXml } from '../../src/telephony/plivo/plivo-documents.ts';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>';

describe('renderPlivoXml', () => {
  it('renders speak + GetInput with a prompt, then a redirect for silence', () => {
    const rendered = renderPlivoXml([
      { kind: 'say', text: 'Hello Rahul', voice: 'WOMAN', language: 'en-US' },
      {
        kind: 'gather',
        input: ['dtmf', 'speech'],
        actionUrl: 'https://buddy.example.com/plivo/gather?lead=42&turn=1',
        timeoutSeconds: 10,
        numDigits: 1,
        prompt: 'Press 1 to confirm',
      },
      { kind: 'redirect', url: 'https://buddy.example.com/plivo/no-input' },
    ]);
    expect(rendered).toEqual({
      contentType: 'application/xml',
      body:
        `${DECL}<Response><Speak voice="WOMAN" language="en-US">Hello Rahul</Speak>` +
        '<GetInput inputType="dtmf speech" action="https://buddy.example.com/plivo/gather?lead=42&amp;turn=1" method="POST" executionTimeout="10" numDigits="1"><Speak>Press 1 to confirm</Speak></GetInput>' +
        '<Redirect method="POST">https://buddy.example.com/plivo/no-input</Redirect></Response>',
    });
  });

  it('clamps executionTimeout to Plivo’s 5–60 s', () => {
    const gather = { kind: 'gather', input: ['dtmf'], actionUrl: 'https://b.example/g' } as const;
    expect(renderPlivoXml([{ ...gather, timeoutSeconds: 2 }]).body).toBe(
      `${DECL}<Response><GetInput inputType="dtmf" action="https://b.example/g" method="POST" executionTimeout="5"/></Response>`,
    );
    expect(renderPlivoXml([{ ...gather, timeoutSeconds: 600 }]).body).toContain('executionTimeout="60"');
  });

  it('renders a bidirectional μ-law stream with the URL as text', () => {
    const { body } = renderPlivoXml([
      {
        kind: 'stream',
        url: 'wss://buddy.example.com/plivo/media',
        parameters: { callId: 'c123', token: 'abc' },
        statusCallbackUrl: 'https://buddy.example.com/plivo/stream-status',
      },
      { kind: 'hangup' },
    ]);
    expect(body).toBe(
      `${DECL}<Response><Stream bidirectional="true" keepCallAlive="true" contentType="audio/x-mulaw;rate=8000" statusCallbackUrl="https://buddy.example.com/plivo/stream-status" statusCallbackMethod="POST" extraHeaders="callId=c123,token=abc">wss://buddy.example.com/plivo/media</Stream><Hangup/></Response>`,
    );
  });

  it('refuses stream parameters Plivo’s extraHeaders cannot carry', () => {
    expect(() => renderPlivoXml([{ kind: 'stream', url: 'wss://b.example/m', parameters: { id: 'c_1' } }])).toThrow(RangeError);
  });

  it('renders dial with <Number>, without the +', () => {
    expect(
      renderPlivoXml([
        { kind: 'dial', number: '+919876543210', callerId: '+14155550199', actionUrl: 'https://b.example/dial', timeoutSeconds: 30 },
      ]).body,
    ).toBe(
      `${DECL}<Response><Dial callerId="14155550199" action="https://b.example/dial" method="POST" timeout="30"><Number>919876543210</Number></Dial></Response>`,
    );
  });

  it('renders hangup and reject as Hangup with a reason', () => {
    expect(renderPlivoXml([{ kind: 'hangup' }]).body).toBe(`${DECL}<Response><Hangup/></Response>`);
    expect(renderPlivoXml([{ kind: 'reject' }]).body).toBe(`${DECL}<Response><Hangup reason="rejected"/></Response>`);
    expect(renderPlivoXml([{ kind: 'reject', reason: 'busy' }]).body).toBe(`${DECL}<Response><Hangup reason="busy"/></Response>`);
  });

  it('XML-escapes spoken text', () => {
    expect(renderPlivoXml([{ kind: 'say', text: 'A & B <c> "d"' }]).body).toBe(
      `${DECL}<Response><Speak>A &amp; B &lt;c&gt; &quot;d&quot;</Speak></Response>`,
    );
  });
});
