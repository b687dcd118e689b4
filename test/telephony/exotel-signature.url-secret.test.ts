import { describe, expect, it } from 'vitest';
import { addExotelUrlSecret, verifyExotelRequest } from '../../src/telephony/exotel/exotel-signature.ts';
import { EXOTEL_URL_SECRET, exotelPassthruAfterGather, exotelQuery } from './fixtures/exotel.ts';

const base = 'https://buddy.example.com/agent/voice/breeze-buddy/exotel/answer';

describe('addExotelUrlSecret', () => {
  it('appends bb_secret, keeping the existing query and fragment', () => {
    expect(addExotelUrlSecret(base, 's3cr3t')).toBe(`${base}?bb_secret=s3cr3t`);
    expect(addExotelUrlSecret(`${base}?lead=42#x`, 's3cr3t')).toBe(`${base}?lead=42&bb_secret=s3cr3t#x`);
    expect(addExotelUrlSecret('wss://buddy.example.com/exotel/media?sample-rate=8000', 'a b&c')).toBe(
      'wss://buddy.example.com/exotel/media?sample-rate=8000&bb_secret=a%20b%26c',
    );
  });

  it('replaces a secret that is already there instead of adding a second', () => {
    expect(addExotelUrlSecret(`${base}?bb_secret=old&lead=1`, 'new')).toBe(`${base}?lead=1&bb_secret=new`);
  });
});

describe('verifyExotelRequest', () => {
  const signed = `${addExotelUrlSecret(base, EXOTEL_URL_SECRET)}&${exotelQuery(exotelPassthruAfterGather)}`;

  it('accepts the right secret among Exotel query parameters', () => {
    expect(verifyExotelRequest({ url: signed }, EXOTEL_URL_SECRET)).toBe(true);
  });

  it('refuses a wrong, missing, doubled or empty secret', () => {
    expect(verifyExotelRequest({ url: addExotelUrlSecret(base, 'guess') }, EXOTEL_URL_SECRET)).toBe(false);
    expect(verifyExotelRequest({ url: `${base}?${exotelQuery(exotelPassthruAfterGather)}` }, EXOTEL_URL_SECRET)).toBe(false);
    expect(verifyExotelRequest({ url: `${signed}&bb_secret=guess` }, EXOTEL_URL_SECRET)).toBe(false);
    expect(verifyExotelRequest({ url: `${base}?bb_secret=` }, EXOTEL_URL_SECRET)).toBe(false);
  });

  it('refuses everything when the deployment has no secret configured', () => {
    expect(verifyExotelRequest({ url: `${base}?bb_secret=` }, '')).toBe(false);
  });

  it('compares the decoded value', () => {
    const url = addExotelUrlSecret(base, 'with space+plus');
    expect(verifyExotelRequest({ url }, 'with space+plus')).toBe(true);
  });
});
