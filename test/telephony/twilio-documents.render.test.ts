import { describe, expect, it } from 'vitest';
import { conferenceTwiml, renderTwiml } from '../../src/telephony/twilio/twilio-documents.ts';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>';

describe('renderTwiml', () => {
  it('renders say + gather with a prompt, then a redirect for silence', () => {
    const rendered = renderTwiml([
      { kind: 'say', text: 'Hello Rahul' },
      {
        kind: 'gather',
        input: ['dtmf', 'speech'],
        actionUrl: 'https://buddy.example.com/twilio/gather?lead=42&turn=1',
        timeoutSeconds: 5,
        numDigits: 1,
        prompt: 'Press 1 to confirm',
      },
      { kind: 'redirect', url: 'https://buddy.example.com/twilio/no-input?lead=42' },
    ]);
    expect(rendered).toEqual({
      contentType: 'text/xml',
      body:
        `${DECL}<Response><Say>Hello Rahul</Say>` +
        '<Gather input="dtmf speech" action="https://buddy.example.com/twilio/gather?lead=42&amp;turn=1" method="POST" timeout="5" numDigits="1"><Say>Press 1 to confirm</Say></Gather>' +
        '<Redirect method="POST">https://buddy.example.com/twilio/no-input?lead=42</Redirect></Response>',
    });
  });

  it('renders a gather without a prompt as an empty element', () => {
    const { body } = renderTwiml([{ kind: 'gather', input: ['speech'], actionUrl: 'https://b.example/g', timeoutSeconds: 3 }]);
    expect(body).toBe(`${DECL}<Response><Gather input="speech" action="https://b.example/g" method="POST" timeout="3"/></Response>`);
  });

  it('renders a bidirectional stream with parameters and a status callback', () => {
    const { body } = renderTwiml([
      {
        kind: 'stream',
        url: 'wss://buddy.example.com/twilio/media',
        parameters: { callId: 'c_123', token: 'per-call<secret>' },
        statusCallbackUrl: 'https://buddy.example.com/twilio/stream-status',
      },
      { kind: 'hangup' },
    ]);
    expect(body).toBe(
      `${DECL}<Response><Connect><Stream url="wss://buddy.example.com/twilio/media" statusCallback="https://buddy.example.com/twilio/stream-status" statusCallbackMethod="POST">` +
        '<Parameter name="callId" value="c_123"/><Parameter name="token" value="per-call&lt;secret&gt;"/></Stream></Connect><Hangup/></Response>',
    );
  });

  it('renders a bare stream as a self-closing element', () => {
    expect(renderTwiml([{ kind: 'stream', url: 'wss://b.example/m' }]).body).toBe(
      `${DECL}<Response><Connect><Stream url="wss://b.example/m"/></Connect></Response>`,
    );
  });

  it('renders dial, hangup, reject', () => {
    expect(
      renderTwiml([
        { kind: 'dial', number: '+14155550100', callerId: '+14155550199', actionUrl: 'https://b.example/dial', timeoutSeconds: 20 },
      ]).body,
    ).toBe(
      `${DECL}<Response><Dial callerId="+14155550199" action="https://b.example/dial" method="POST" timeout="20">+14155550100</Dial></Response>`,
    );
    expect(renderTwiml([{ kind: 'dial', number: '+14155550100' }]).body).toBe(`${DECL}<Response><Dial>+14155550100</Dial></Response>`);
    expect(renderTwiml([{ kind: 'hangup' }]).body).toBe(`${DECL}<Response><Hangup/></Response>`);
    expect(renderTwiml([{ kind: 'reject', reason: 'busy' }]).body).toBe(`${DECL}<Response><Reject reason="busy"/></Response>`);
    expect(renderTwiml([{ kind: 'reject' }]).body).toBe(`${DECL}<Response><Reject/></Response>`);
  });

  it('XML-escapes text and attributes and drops characters XML forbids', () => {
    const { body } = renderTwiml([{ kind: 'say', text: `Tom & "Jerry" <b>'s\u0000 café`, voice: 'Polly.Aditi', language: 'en-IN' }]);
    expect(body).toBe(
      `${DECL}<Response><Say voice="Polly.Aditi" language="en-IN">Tom &amp; &quot;Jerry&quot; &lt;b&gt;&apos;s café</Say></Response>`,
    );
  });

  it('renders an empty document as an empty Response', () => {
    expect(renderTwiml([]).body).toBe(`${DECL}<Response></Response>`);
  });
});

describe('conferenceTwiml', () => {
  it('renders the agent leg with a whisper', () => {
    expect(
      conferenceTwiml({
        room: 'xfer-42',
        startConferenceOnEnter: true,
        endConferenceOnExit: true,
        eventsCallbackUrl: 'https://b.example/twilio/callback/transfer/events',
        whisper: 'Customer wants to reschedule',
      }),
    ).toBe(
      `${DECL}<Response><Say>Customer wants to reschedule</Say><Dial><Conference startConferenceOnEnter="true" endConferenceOnExit="true" statusCallback="https://b.example/twilio/callback/transfer/events" statusCallbackMethod="POST" statusCallbackEvent="start end join leave">xfer-42</Conference></Dial></Response>`,
    );
  });
});
