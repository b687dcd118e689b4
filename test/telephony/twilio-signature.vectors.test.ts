import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signTwilioRequest, twilioBodySha256, verifyTwilioRequest } from '../../src/telephony/twilio/twilio-signature.ts';
import { FORM_CONTENT_TYPE, fromFields } from './fixtures/form.ts';
import { TWILIO_AUTH_TOKEN, twilioStatusCompleted, twilioVectors as v } from './fixtures/twilio.ts';

const formHeaders = (signature?: string) => ({
  'content-type': FORM_CONTENT_TYPE,
  ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
});

describe('signTwilioRequest', () => {
  it('reproduces the published vectors', () => {
    expect(signTwilioRequest(v.url, v.params, v.authToken)).toBe(v.signature);
    expect(signTwilioRequest(v.urlWithPort, v.params, v.authToken)).toBe(v.signatureWithPort);
    expect(signTwilioRequest(v.url, v.docsParams, v.authToken)).toBe(v.docsSignature);
    expect(signTwilioRequest(v.jsonUrl, {}, v.authToken)).toBe(v.jsonSignature);
  });

  it('signs url + sorted name/value pairs, decoded, with no separators', () => {
    const direct = createHmac('sha1', v.authToken).update(v.signedString).digest('base64');
    expect(direct).toBe(v.signature);
  });

  it('signs each distinct value of a repeated name, sorted', () => {
    const repeated = signTwilioRequest('https://a.example/x', { B: ['2', '1', '2'], A: 'z' }, 't');
    const expected = createHmac('sha1', 't').update('https://a.example/xAzB1B2').digest('base64');
    expect(repeated).toBe(expected);
  });

  it('hashes a JSON body to the published bodySHA256', () => {
    expect(twilioBodySha256(v.jsonBody)).toBe(new URL(v.jsonUrl).searchParams.get('bodySHA256'));
  });
});

describe('verifyTwilioRequest', () => {
  const form = fromFields(v.params);

  it('accepts the published vector from the raw form body', () => {
    const input = { url: v.url, method: 'POST', headers: formHeaders(v.signature), rawBody: form.raw };
    expect(verifyTwilioRequest(input, v.authToken)).toBe(true);
  });

  it('accepts it from parsed params when there is no raw body', () => {
    const input = { url: v.url, method: 'POST', headers: { 'X-Twilio-Signature': v.signature }, params: v.params };
    expect(verifyTwilioRequest(input, v.authToken)).toBe(true);
  });

  it('accepts an explicit non-default port and the default port added or removed', () => {
    const withPort = { url: v.urlWithPort, method: 'POST', headers: formHeaders(v.signatureWithPort), rawBody: form.raw };
    expect(verifyTwilioRequest(withPort, v.authToken)).toBe(true);
    const defaultPort = { ...withPort, url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2', headers: formHeaders(v.signature) };
    expect(verifyTwilioRequest(defaultPort, v.authToken)).toBe(true);
    const signedWithPort = signTwilioRequest('https://mycompany.com:443/myapp.php?foo=1&bar=2', v.params, v.authToken);
    const portless = { ...withPort, url: v.url, headers: formHeaders(signedWithPort) };
    expect(verifyTwilioRequest(portless, v.authToken)).toBe(true);
  });

  it('accepts the JSON variant only when the body matches bodySHA256', () => {
    const input = {
      url: v.jsonUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-twilio-signature': v.jsonSignature },
      rawBody: v.jsonBody,
    };
    expect(verifyTwilioRequest(input, v.authToken)).toBe(true);
    expect(verifyTwilioRequest({ ...input, rawBody: '{"property": "forged"}' }, v.authToken)).toBe(false);
  });

  it('signs GET requests over the URL only', () => {
    const url = `https://buddy.example/twilio/answer?${form.raw}`;
    const signature = signTwilioRequest(url, {}, TWILIO_AUTH_TOKEN);
    expect(verifyTwilioRequest({ url, method: 'GET', headers: { 'x-twilio-signature': signature } }, TWILIO_AUTH_TOKEN)).toBe(true);
  });

  it('rejects a forged signature, a tampered field, a wrong token and a missing header', () => {
    const base = { url: v.url, method: 'POST', rawBody: form.raw };
    expect(verifyTwilioRequest({ ...base, headers: formHeaders('RSOYDt4T1cUTdK1PDd93/VVr8B9=') }, v.authToken)).toBe(false);
    const tampered = fromFields({ ...v.params, Digits: '9999' });
    expect(verifyTwilioRequest({ ...base, rawBody: tampered.raw, headers: formHeaders(v.signature) }, v.authToken)).toBe(false);
    expect(verifyTwilioRequest({ ...base, headers: formHeaders(v.signature) }, 'other-token')).toBe(false);
    expect(verifyTwilioRequest({ ...base, headers: formHeaders() }, v.authToken)).toBe(false);
    expect(verifyTwilioRequest({ ...base, headers: formHeaders(v.signature) }, '')).toBe(false);
  });

  it('behind a proxy: verifies against the public URL Twilio signed, not the internal one', () => {
    const publicUrl = 'https://buddy.example.com/agent/voice/breeze-buddy/twilio/callback/status';
    const internalUrl = 'http://10.0.0.5:8080/agent/voice/breeze-buddy/twilio/callback/status';
    const signature = signTwilioRequest(publicUrl, twilioStatusCompleted.params, TWILIO_AUTH_TOKEN);
    const request = { method: 'POST', headers: formHeaders(signature), rawBody: twilioStatusCompleted.raw };
    expect(verifyTwilioRequest({ ...request, url: publicUrl }, TWILIO_AUTH_TOKEN)).toBe(true);
    expect(verifyTwilioRequest({ ...request, url: internalUrl }, TWILIO_AUTH_TOKEN)).toBe(false);
  });

  it('decodes the captured payload (UTF-8, %20 spaces) before signing', () => {
    const url = 'https://buddy.example.com/twilio/callback/status';
    const signature = signTwilioRequest(url, twilioStatusCompleted.params, TWILIO_AUTH_TOKEN);
    expect(twilioStatusCompleted.params['CalledCity']).toBe('São Paulo');
    const input = { url, method: 'POST', headers: formHeaders(signature), rawBody: twilioStatusCompleted.raw };
    expect(verifyTwilioRequest(input, TWILIO_AUTH_TOKEN)).toBe(true);
  });

  it('accepts a query string Twilio escaped the legacy way', () => {
    // Node's legacy querystring leaves ' unescaped, where WHATWG URL writes %27.
    const signature = signTwilioRequest("https://buddy.example.com/twilio/answer?name=O'Brien", v.params, TWILIO_AUTH_TOKEN);
    const received = 'https://buddy.example.com/twilio/answer?name=O%27Brien';
    const input = { url: received, method: 'POST', headers: formHeaders(signature), rawBody: form.raw };
    expect(verifyTwilioRequest(input, TWILIO_AUTH_TOKEN)).toBe(true);
  });

  it('rejects an unparseable URL instead of throwing', () => {
    expect(verifyTwilioRequest({ url: 'not a url', method: 'POST', headers: formHeaders(v.signature) }, v.authToken)).toBe(false);
  });
});
