// X-Twilio-Signature, exactly as twilio-node's webhooks.ts computes it (telephony.md §1.5):
// base64(HMAC-SHA1(authToken, url + for each sorted POST name: name + value)), where a name
// with several values contributes each distinct value, sorted. GET requests sign the URL
// only. JSON bodies are signed through a `bodySHA256` query parameter holding the hex
// SHA-256 of the raw body; then the URL alone is signed and the body hash is checked too.
//
// Twilio's back end is not consistent about ports and query escaping, so, like twilio-node,
// we accept a match on any of: the URL without port, with the scheme's default port, and
// both of those with the query string re-serialised by Node's legacy `querystring`.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseLegacyQuery, stringify as stringifyLegacyQuery } from 'node:querystring';
import type { VerifyRequestInput } from '../provider.ts';
import { parseFormBody, readHeader, toFormFields } from '../params.ts';
import type { FormFields } from '../params.ts';
import { timingSafeStringEqual } from '../timing-safe.ts';

export type TwilioSignParams = Readonly<Record<string, string | readonly string[]>>;

/** The signature Twilio sends for a request to `url` with these decoded POST params. */
export function signTwilioRequest(url: string, params: TwilioSignParams, authToken: string): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name] ?? [];
    const values = typeof value === 'string' ? [value] : [...new Set(value)].sort();
    for (const v of values) data += name + v;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** Hex SHA-256 of a JSON body, the value Twilio puts in `bodySHA256`. */
export function twilioBodySha256(rawBody: string | Buffer): string {
  return createHash('sha256').update(rawBody).digest('hex');
}

export function verifyTwilioRequest(input: VerifyRequestInput, authToken: string): boolean {
  const signature = readHeader(input.headers, 'x-twilio-signature');
  if (!authToken || !signature) return false;
  let parsed: URL;
  try {
    parsed = new URL(input.url);
  } catch {
    return false;
  }

  const bodyHash = parsed.searchParams.get('bodySHA256');
  if (bodyHash !== null) {
    const body = input.rawBody ?? '';
    return matchesAnyUrl(input.url, {}, signature, authToken) && timingSafeStringEqual(bodyHash, twilioBodySha256(body));
  }
  const params = input.method.toUpperCase() === 'GET' ? {} : postFields(input);
  return matchesAnyUrl(input.url, params, signature, authToken);
}

function postFields(input: VerifyRequestInput): FormFields {
  const contentType = readHeader(input.headers, 'content-type') ?? '';
  if (input.rawBody !== undefined && contentType.includes('application/x-www-form-urlencoded')) {
    return parseFormBody(input.rawBody);
  }
  return toFormFields(input.params ?? {});
}

function matchesAnyUrl(url: string, params: FormFields, signature: string, authToken: string): boolean {
  const given = Buffer.from(signature);
  let matched = false;
  // Every variant is checked, so timing does not reveal which one matched.
  for (const candidate of urlVariants(url)) {
    const expected = Buffer.from(signTwilioRequest(candidate, params, authToken));
    if (expected.length === given.length && timingSafeEqual(expected, given)) matched = true;
  }
  return matched;
}

function urlVariants(url: string): string[] {
  const parsed = new URL(url);
  const withoutPort = new URL(parsed);
  withoutPort.port = '';
  const withPort = parsed.port ? parsed.toString() : withDefaultPort(parsed);
  const plain = [url, withoutPort.toString(), withPort];
  return [...new Set([...plain, ...plain.map(withLegacyQuery)])];
}

// Node's URL drops a default port, so it is spliced back in by hand, as twilio-node does.
function withDefaultPort(url: URL): string {
  const port = url.protocol === 'https:' ? ':443' : ':80';
  const auth = url.username ? `${url.username}${url.password ? `:${url.password}` : ''}@` : '';
  return `${url.protocol}//${auth}${url.host}${port}${url.pathname}${url.search}${url.hash}`;
}

function withLegacyQuery(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) return url;
  const hashAt = url.indexOf('#', at);
  const query = url.slice(at + 1, hashAt < 0 ? undefined : hashAt);
  return `${url.slice(0, at)}?${stringifyLegacyQuery(parseLegacyQuery(query))}`;
}
