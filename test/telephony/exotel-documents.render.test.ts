import { describe, expect, it } from 'vitest';
import { NotSupportedError } from '../../src/telephony/errors.ts';
import { renderExotelResponse } from '../../src/telephony/exotel/exotel-documents.ts';
import { addExotelUrlSecret } from '../../src/telephony/exotel/exotel-signature.ts';
import type { AnswerDocument } from '../../src/telephony/provider.ts';

const opts = { prepareUrl: (url: string) => addExotelUrlSecret(url, 'sek') };
const render = (doc: AnswerDocument) => renderExotelResponse(doc, opts);
const TEXT = 'text/plain; charset=utf-8';

describe('renderExotelResponse', () => {
  it('answers a Greeting applet with the text', () => {
    expect(render([{ kind: 'say', text: 'Hello Rahul.' }, { kind: 'say', text: 'Goodbye.' }, { kind: 'hangup' }])).toEqual({
      contentType: TEXT,
      body: 'Hello Rahul. Goodbye.',
    });
  });

  it('answers a Passthru: empty document continues (200), hangup/reject take the 302 branch', () => {
    expect(render([])).toEqual({ contentType: TEXT, body: '' });
    expect(render([{ kind: 'hangup' }])).toEqual({ status: 302, contentType: TEXT, body: '' });
    expect(render([{ kind: 'reject', reason: 'busy' }])).toEqual({ status: 302, contentType: TEXT, body: '' });
  });

  it('answers a Voicebot applet with the wss URL, parameters and secret in its query', () => {
    expect(
      render([{ kind: 'stream', url: 'wss://buddy.example.com/exotel/media?sample-rate=8000', parameters: { callId: 'c_1' } }, { kind: 'hangup' }]),
    ).toEqual({
      contentType: TEXT,
      body: 'wss://buddy.example.com/exotel/media?sample-rate=8000&callId=c_1&bb_secret=sek',
    });
  });

  it('answers a Gather applet with JSON; the prelude becomes the prompt', () => {
    const rendered = render([
      { kind: 'say', text: 'Hello.' },
      { kind: 'gather', input: ['dtmf', 'speech'], actionUrl: 'https://b.example/g', timeoutSeconds: 6, numDigits: 1, prompt: 'Press 1.' },
    ]);
    expect(rendered.contentType).toBe('application/json');
    expect(rendered.body).toBe('{"gather_prompt":{"text":"Hello. Press 1."},"max_input_digits":1,"finish_on_key":"#","input_timeout":6}');
  });

  it('answers a Connect applet with Programmable Connect JSON', () => {
    const rendered = render([
      { kind: 'say', text: 'Connecting you now' },
      { kind: 'dial', number: '+919876543210', callerId: '08047491899', actionUrl: 'https://b.example/exotel/dial', timeoutSeconds: 45 },
    ]);
    expect(rendered).toEqual({
      contentType: 'application/json',
      body: JSON.stringify({
        fetch_after_attempt: false,
        destination: { numbers: ['+919876543210'] },
        outgoing_phone_number: '08047491899',
        max_ringing_duration: 45,
        dial_passthru_event_url: 'https://b.example/exotel/dial?bb_secret=sek',
        start_call_playback: { playback_to: 'both', type: 'text', value: 'Connecting you now' },
      }),
    });
    expect(render([{ kind: 'dial', number: '+919876543210' }]).body).toBe(
      '{"fetch_after_attempt":false,"destination":{"numbers":["+919876543210"]}}',
    );
  });

  it.each<[string, AnswerDocument]>([
    ['redirect', [{ kind: 'redirect', url: 'https://b.example/next' }]],
    ['speech-only gather', [{ kind: 'gather', input: ['speech'], actionUrl: 'https://b.example/g', timeoutSeconds: 5 }]],
    ['say before stream', [{ kind: 'say', text: 'hi' }, { kind: 'stream', url: 'wss://b.example/m' }]],
    ['verbs after the lead verb', [{ kind: 'dial', number: '+91' }, { kind: 'say', text: 'bye' }]],
    ['say before reject', [{ kind: 'say', text: 'no' }, { kind: 'reject' }]],
  ])('refuses %s with NotSupportedError', (_name, doc) => {
    expect(() => render(doc)).toThrow(NotSupportedError);
  });
});
