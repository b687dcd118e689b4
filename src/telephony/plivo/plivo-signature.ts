// X-Plivo-Signature-V3, as plivo-node v3Security.js / plivo-python signature_v3.py compute
// it (telephony.md §2.5):
//
//   base  = the URL up to the query string (scheme://host[:port]/path, as configured)
//   query = the URL's query string, decoded, as a multimap
//   GET:  signed = base + ("?" + sorted "k=v" of query ∪ request params, joined by "&")
//   POST: q = sorted "k=v" of query joined by "&"; p = sorted "k"+"v" of body params, no separators
//         signed = base | base?p | base?q | base?q.p   (no query/params, params only, query only, both)
//   signature = base64(HMAC-SHA256(authToken, signed + "." + nonce))
//
// Keys sort by code unit (uppercase first); the values of a repeated key are sorted too.
// Values are signed decoded and are not re-encoded. The header may hold several
// comma-separated signatures (key rotation); any match is accepted.
// X-Plivo-Signature-Ma-V3 is the same computed with the main account's token; we accept it
// too, so a deployment configured with the main account verifies sub-account callbacks.
import { createHmac } from 'node:crypto';
import { parseFormBody, parseQuery, readHeader, toFormFields } from '../params.ts';
import type { FormFields } from '../params.ts';
import type { VerifyRequestInput } from '../provider.ts';
import { timingSafeStringEqual } from '../timing-safe.ts';

export type PlivoSignParams = Readonly<Record<string, string | readonly string[]>>;

/** The string Plivo signs (before ".nonce"). `params` are the request's fields as the SDKs take them. */
export function plivoV3SignedUrl(method: 'GET' | 'POST', url: string, params: PlivoSignParams): string {
  const { base, query } = splitUrl(url);
  const fields = toMultimap(params);
  if (method === 'GET') {
    const pairs = sortedPairs(merge(query, fields), (k, v) => `${k}=${v}`).join('&');
    return pairs === '' ? base : `${base}?${pairs}`;
  }
  const q = sortedPairs(query, (k, v) => `${k}=${v}`).join('&');
  const p = sortedPairs(fields, (k, v) => k + v).join('');
  if (q === '' && p === '') return base;
  if (q === '') return `${base}?${p}`;
  if (p === '') return `${base}?${q}`;
  return `${base}?${q}.${p}`;
}

/**
 * The X-Plivo-Signature-V3 value for a request. `params` is the POST body as fields or as
 * the raw form body; for GET it is the request's fields not already in `url`'s query.
 */
export function signPlivoV3Request(
  url: string,
  nonce: string,
  params: PlivoSignParams | string,
  authToken: string,
  method: 'GET' | 'POST' = 'POST',
): string {
  const fields = typeof params === 'string' ? parseFormBody(params) : params;
  return createHmac('sha256', authToken)
    .update(`${plivoV3SignedUrl(method, url, fields)}.${nonce}`, 'utf8')
    .digest('base64');
}

export function verifyPlivoRequest(input: VerifyRequestInput, authToken: string): boolean {
  const nonce = readHeader(input.headers, 'x-plivo-signature-v3-nonce');
  const headers = [
    readHeader(input.headers, 'x-plivo-signature-v3'),
    readHeader(input.headers, 'x-plivo-signature-ma-v3'),
  ];
  const offered = headers.flatMap((h) => (h === undefined ? [] : h.split(',').map((s) => s.trim()))).filter(Boolean);
  if (!authToken || !nonce || offered.length === 0) return false;

  const method = input.method.toUpperCase();
  if (method !== 'GET' && method !== 'POST') return false;
  // GET: everything Plivo sent is already in the URL's query string.
  const fields = method === 'GET' ? {} : postFields(input);
  const expected = signPlivoV3Request(input.url, nonce, fields, authToken, method);
  let matched = false;
  for (const candidate of offered) if (timingSafeStringEqual(candidate, expected)) matched = true;
  return matched;
}

function postFields(input: VerifyRequestInput): FormFields {
  const contentType = readHeader(input.headers, 'content-type') ?? '';
  if (input.rawBody !== undefined && contentType.includes('application/x-www-form-urlencoded')) {
    return parseFormBody(input.rawBody);
  }
  return toFormFields(input.params ?? {});
}

// Split by hand rather than through URL, which would re-encode the path and drop a default
// port that Plivo signed as configured.
function splitUrl(url: string): { base: string; query: FormFields } {
  const withoutFragment = url.split('#', 1)[0] ?? url;
  const at = withoutFragment.indexOf('?');
  return at < 0
    ? { base: withoutFragment, query: {} }
    : { base: withoutFragment.slice(0, at), query: parseQuery(withoutFragment) };
}

function toMultimap(params: PlivoSignParams): FormFields {
  const out: FormFields = {};
  for (const [key, value] of Object.entries(params)) out[key] = typeof value === 'string' ? [value] : [...value];
  return out;
}

function merge(a: FormFields, b: FormFields): FormFields {
  const out: FormFields = {};
  for (const source of [a, b]) for (const [key, values] of Object.entries(source)) (out[key] ??= []).push(...values);
  return out;
}

function sortedPairs(fields: FormFields, render: (key: string, value: string) => string): string[] {
  return Object.keys(fields)
    .sort()
    .flatMap((key) => [...(fields[key] ?? [])].sort().map((value) => render(key, value)));
}
