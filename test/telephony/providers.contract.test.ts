// One suite, every provider: the guarantees routes rely on without knowing which provider
// they talk to. Provider-specific wire details are in the per-provider test files.
import { describe, expect, it } from 'vitest';
import {
  addExotelUrlSecret,
  createProvider,
  DEFAULT_API_BASE_URLS,
  isStatusAdvance,
  MalformedCallbackError,
  NotSupportedError,
  PROVIDERS,
  signPlivoV3Request,
  signTwilioRequest,
} from '../../src/telephony/index.ts';
import type {
  CallbackParams,
  NormalizedCallStatus,
  ProviderName,
  TelephonyConfig,
  VerifyRequestInput,
} from '../../src/telephony/index.ts';
import { EXOTEL_API_KEY, EXOTEL_API_TOKEN, EXOTEL_SID, EXOTEL_URL_SECRET, exotelStatusBusyForm, exotelStatusTerminalJson } from './fixtures/exotel.ts';
import { FORM_CONTENT_TYPE } from './fixtures/form.ts';
import type { FormFixture } from './fixtures/form.ts';
import { PLIVO_AUTH_ID, PLIVO_AUTH_TOKEN, plivoHangupBusy, plivoHangupCompleted, plivoRing } from './fixtures/plivo.ts';
import {
  TWILIO_ACCOUNT_SID,
  TWILIO_AUTH_TOKEN,
  twilioStatusBusy,
  twilioStatusCompleted,
  twilioStatusRinging,
} from './fixtures/twilio.ts';

const CONFIG: TelephonyConfig = {
  twilio: { accountSid: TWILIO_ACCOUNT_SID, authToken: TWILIO_AUTH_TOKEN },
  plivo: { authId: PLIVO_AUTH_ID, authToken: PLIVO_AUTH_TOKEN },
  exotel: { apiKey: EXOTEL_API_KEY, apiToken: EXOTEL_API_TOKEN, sid: EXOTEL_SID, urlSecret: EXOTEL_URL_SECRET },
};

const STATUS_URL = 'https://buddy.example.com/agent/voice/breeze-buddy/{p}/callback/status';

/** A status callback as each provider would deliver and authenticate it. */
function deliver(name: ProviderName, fixture: FormFixture): VerifyRequestInput {
  const url = STATUS_URL.replace('{p}', name);
  const headers = { 'content-type': FORM_CONTENT_TYPE };
  switch (name) {
    case 'twilio':
      return {
        url,
        method: 'POST',
        rawBody: fixture.raw,
        headers: { ...headers, 'x-twilio-signature': signTwilioRequest(url, fixture.params, TWILIO_AUTH_TOKEN) },
      };
    case 'plivo': {
      const nonce = '11112222333344445555';
      const signature = signPlivoV3Request(url, nonce, fixture.raw, PLIVO_AUTH_TOKEN);
      return {
        url,
        method: 'POST',
        rawBody: fixture.raw,
        headers: { ...headers, 'x-plivo-signature-v3': signature, 'x-plivo-signature-v3-nonce': nonce },
      };
    }
    case 'exotel':
      return { url: addExotelUrlSecret(url, EXOTEL_URL_SECRET), method: 'POST', rawBody: fixture.raw, headers };
  }
}

const FIXTURES: Record<ProviderName, { completed: CallbackParams; busy: FormFixture; early?: FormFixture }> = {
  twilio: { completed: twilioStatusCompleted.params, busy: twilioStatusBusy, early: twilioStatusRinging },
  plivo: { completed: plivoHangupCompleted.params, busy: plivoHangupBusy, early: plivoRing },
  exotel: { completed: exotelStatusTerminalJson, busy: exotelStatusBusyForm },
};

describe.each(PROVIDERS)('%s adapter contract', (name) => {
  const provider = createProvider(name, CONFIG);

  it('is created by name with the real base URL by default', () => {
    expect(provider.name).toBe(name);
    expect(DEFAULT_API_BASE_URLS[name]).toMatch(/^https:\/\/api\./);
  });

  it('verifies a request delivered as the provider delivers it, and refuses a tampered one', () => {
    const delivered = deliver(name, FIXTURES[name].busy);
    expect(provider.verifyRequest(delivered)).toBe(true);
    const tampered = delivered.rawBody?.toString().replace('busy', 'completed');
    const forged = name === 'exotel' ? { ...delivered, url: addExotelUrlSecret(delivered.url, 'guess') } : { ...delivered, rawBody: tampered };
    expect(provider.verifyRequest(forged)).toBe(false);
    expect(provider.verifyRequest({ url: STATUS_URL.replace('{p}', name), method: 'POST', headers: {} })).toBe(false);
  });

  it('maps its completed and busy callbacks to the §11.2 facts', () => {
    expect(provider.parseStatusCallback(FIXTURES[name].completed).facts).toMatchObject({
      provider_status: 'ANSWERED',
      provider_reason: 'COMPLETED',
    });
    expect(provider.parseStatusCallback(FIXTURES[name].busy.params)).toMatchObject({
      status: 'busy',
      facts: { provider_status: 'NOT_ANSWERED', provider_reason: 'BUSY' },
    });
  });

  it('never moves a call backwards when a progress callback arrives after the final one', () => {
    const early = FIXTURES[name].early;
    const arrivals = [FIXTURES[name].completed, ...(early === undefined ? [] : [early.params])];
    let current: NormalizedCallStatus | undefined;
    for (const params of arrivals) {
      const { status } = provider.parseStatusCallback(params);
      if (isStatusAdvance(current, status)) current = status;
    }
    expect(current).toBe('completed');
  });

  it('refuses malformed callbacks with MalformedCallbackError, never another error', () => {
    const parsers: ((params: CallbackParams) => unknown)[] = [
      (p) => provider.parseStatusCallback(p),
      (p) => provider.parseAnswerRequest(p),
      (p) => provider.parseRecordingCallback(p),
      (p) => provider.parseGatherResult(p),
    ];
    for (const parse of parsers) {
      expect(() => parse({})).toThrow(MalformedCallbackError);
      expect(() => parse({ CallSid: { nested: true }, CallUUID: [], call_uuid: null })).toThrow(MalformedCallbackError);
    }
  });

  it('keeps its capability flags honest', async () => {
    const caps = provider.capabilities;
    expect(Object.isFrozen(caps)).toBe(true);
    if (!caps.restHangup) await expect(provider.hangup('x')).rejects.toBeInstanceOf(NotSupportedError);
    expect(caps.recordingStart === 'after-answer').toBe(typeof provider.startRecording === 'function');
    expect(caps.gatherInputs).toContain('dtmf');
  });

  it('renders spoken text escaped for its format', () => {
    const rendered = provider.render([{ kind: 'say', text: 'Tom & Jerry <3' }]);
    expect(rendered.body).toContain(name === 'exotel' ? 'Tom & Jerry <3' : 'Tom &amp; Jerry &lt;3');
  });
});

describe('createProvider', () => {
  it('refuses a provider with no configuration', () => {
    expect(() => createProvider('plivo', { twilio: CONFIG.twilio })).toThrow(/no configuration for plivo/);
  });
});
