import { describe, expect, it } from 'vitest';
import { plivoV3SignedUrl, signPlivoV3Request, verifyPlivoRequest } from '../../src/telephony/plivo/plivo-signature.ts';
import { FORM_CONTENT_TYPE } from './fixtures/form.ts';
import { PLIVO_AUTH_TOKEN, plivoHangupCompleted, plivoSignedAnswer, plivoVectors as v } from './fixtures/plivo.ts';

/** `nonce` null leaves the nonce header out. */
function headers(signature: string | undefined, nonce: string | null = v.nonce): Record<string, string> {
  return {
    'content-type': FORM_CONTENT_TYPE,
    ...(signature === undefined ? {} : { 'x-plivo-signature-v3': signature }),
    ...(nonce === null ? {} : { 'x-plivo-signature-v3-nonce': nonce }),
  };
}

/** A GET reaches us with Plivo's params appended to the configured URL's query. */
function getUrl(configured: string, params: Readonly<Record<string, string>>): string {
  return `${configured}${configured.includes('?') ? '&' : '?'}${new URLSearchParams(params).toString()}`;
}

describe('signPlivoV3Request: official vectors', () => {
  it.each([
    ['POST', v.uriWithQuery, v.postWithQuery],
    ['GET', v.uriWithQuery, v.getWithQuery],
    ['POST', v.uri, v.post],
    ['GET', v.uri, v.get],
  ] as const)('%s %s', (method, uri, expected) => {
    expect(signPlivoV3Request(uri, v.nonce, v.params, v.authToken, method)).toBe(expected);
  });

  it('builds the exact signed strings of rows 1 and 4', () => {
    expect(`${plivoV3SignedUrl('POST', v.uriWithQuery, v.params)}.${v.nonce}`).toBe(v.postWithQueryMessage);
    expect(`${plivoV3SignedUrl('GET', v.uri, v.params)}.${v.nonce}`).toBe(v.getMessage);
  });

  it('reproduces the small derived vector, from fields and from the raw form body', () => {
    const { small } = v;
    expect(`${plivoV3SignedUrl('POST', small.url, small.params)}.${small.nonce}`).toBe(small.message);
    expect(signPlivoV3Request(small.url, small.nonce, small.params, small.authToken)).toBe(small.signature);
    const raw = new URLSearchParams(small.params).toString();
    expect(signPlivoV3Request(small.url, small.nonce, raw, small.authToken)).toBe(small.signature);
  });

  it('covers the four POST shapes (no query/params, params, query, both)', () => {
    expect(plivoV3SignedUrl('POST', 'https://h.example/p', {})).toBe('https://h.example/p');
    expect(plivoV3SignedUrl('POST', 'https://h.example/p', { B: '2', A: '1' })).toBe('https://h.example/p?A1B2');
    expect(plivoV3SignedUrl('POST', 'https://h.example/p?z=1&y=2', {})).toBe('https://h.example/p?y=2&z=1');
    expect(plivoV3SignedUrl('POST', 'https://h.example/p?z=1', { A: '1' })).toBe('https://h.example/p?z=1.A1');
  });
});

describe('verifyPlivoRequest', () => {
  it('accepts the official POST vectors from the raw form body', () => {
    for (const [url, signature] of [
      [v.uriWithQuery, v.postWithQuery],
      [v.uri, v.post],
    ] as const) {
      const input = { url, method: 'POST', headers: headers(signature), rawBody: plivoSignedAnswer.raw };
      expect(verifyPlivoRequest(input, v.authToken)).toBe(true);
    }
  });

  it('accepts the official GET vectors with the params in the request URL', () => {
    for (const [configured, signature] of [
      [v.uriWithQuery, v.getWithQuery],
      [v.uri, v.get],
    ] as const) {
      const input = { url: getUrl(configured, v.params), method: 'GET', headers: headers(signature) };
      expect(verifyPlivoRequest(input, v.authToken)).toBe(true);
    }
  });

  it('accepts any one of several comma-separated signatures, and the Ma-V3 header', () => {
    const several = `bm90LWl0=, ${v.post}`;
    const input = { url: v.uri, method: 'POST', headers: headers(several), rawBody: plivoSignedAnswer.raw };
    expect(verifyPlivoRequest(input, v.authToken)).toBe(true);
    const ma = {
      'x-plivo-signature-ma-v3': v.post,
      'x-plivo-signature-v3': 'c2lnbmVkLWJ5LXN1Yi1hY2NvdW50',
      'x-plivo-signature-v3-nonce': v.nonce,
    };
    expect(verifyPlivoRequest({ ...input, headers: ma, params: v.params, rawBody: undefined }, v.authToken)).toBe(true);
  });

  it('rejects forged, tampered, wrong-nonce, unsigned and nonce-less requests', () => {
    const base = { url: v.uri, method: 'POST', rawBody: plivoSignedAnswer.raw };
    expect(verifyPlivoRequest({ ...base, headers: headers('iAjE5QqI37mbkYe4w3jTMudqEzbDufdqi7sYwTu64e1=') }, v.authToken)).toBe(false);
    const tampered = plivoSignedAnswer.raw.replace('CallStatus=in-progress', 'CallStatus=completed');
    expect(verifyPlivoRequest({ ...base, rawBody: tampered, headers: headers(v.post) }, v.authToken)).toBe(false);
    expect(verifyPlivoRequest({ ...base, headers: headers(v.post, '31627761595286130199') }, v.authToken)).toBe(false);
    expect(verifyPlivoRequest({ ...base, headers: headers(undefined) }, v.authToken)).toBe(false);
    expect(verifyPlivoRequest({ ...base, headers: headers(v.post, null) }, v.authToken)).toBe(false);
    expect(verifyPlivoRequest({ ...base, headers: headers(v.post) }, 'other-token')).toBe(false);
    expect(verifyPlivoRequest({ ...base, method: 'PUT', headers: headers(v.post) }, v.authToken)).toBe(false);
  });

  it('rejects a POST signature presented on a GET of the same URL', () => {
    expect(verifyPlivoRequest({ url: v.uri, method: 'GET', headers: headers(v.post) }, v.authToken)).toBe(false);
  });

  it('behind a proxy: verifies against the public URL Plivo signed, not the internal one', () => {
    const publicUrl = 'https://buddy.example.com/agent/voice/breeze-buddy/plivo/callback/status?bb=1';
    const internalUrl = 'http://127.0.0.1:3000/agent/voice/breeze-buddy/plivo/callback/status?bb=1';
    const nonce = '98765432109876543210';
    const signature = signPlivoV3Request(publicUrl, nonce, plivoHangupCompleted.raw, PLIVO_AUTH_TOKEN);
    const request = { method: 'POST', headers: headers(signature, nonce), rawBody: plivoHangupCompleted.raw };
    expect(verifyPlivoRequest({ ...request, url: publicUrl }, PLIVO_AUTH_TOKEN)).toBe(true);
    expect(verifyPlivoRequest({ ...request, url: internalUrl }, PLIVO_AUTH_TOKEN)).toBe(false);
  });
});
