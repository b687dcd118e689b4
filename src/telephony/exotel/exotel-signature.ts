// Exotel signs nothing (telephony.md §3.5: no HMAC for voice webhooks or streams). Each
// deployment instead has a secret that is put into every URL we give Exotel, as the query
// parameter `bb_secret`, and a request without the right value is refused. The comparison
// is constant-time; a missing secret in configuration refuses everything.
import { parseQuery } from '../params.ts';
import type { VerifyRequestInput } from '../provider.ts';
import { timingSafeStringEqual } from '../timing-safe.ts';

export const EXOTEL_SECRET_PARAM = 'bb_secret';

/** `url` with the deployment secret added (replaced when it is already there). */
export function addExotelUrlSecret(url: string, secret: string): string {
  const hashAt = url.indexOf('#');
  const beforeHash = hashAt < 0 ? url : url.slice(0, hashAt);
  const hash = hashAt < 0 ? '' : url.slice(hashAt);
  const queryAt = beforeHash.indexOf('?');
  const path = queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt);
  const kept = (queryAt < 0 ? '' : beforeHash.slice(queryAt + 1))
    .split('&')
    .filter((pair) => pair !== '' && decodeName(pair) !== EXOTEL_SECRET_PARAM);
  kept.push(`${EXOTEL_SECRET_PARAM}=${encodeURIComponent(secret)}`);
  return `${path}?${kept.join('&')}${hash}`;
}

export function verifyExotelRequest(input: Pick<VerifyRequestInput, 'url'>, urlSecret: string): boolean {
  if (!urlSecret) return false;
  const offered = parseQuery(input.url)[EXOTEL_SECRET_PARAM] ?? [];
  // Two values would leave it to the parser which one counts; refuse instead.
  if (offered.length !== 1 || offered[0] === undefined) return false;
  return timingSafeStringEqual(offered[0], urlSecret);
}

function decodeName(pair: string): string {
  const name = pair.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}
