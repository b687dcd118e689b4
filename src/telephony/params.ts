// Reading provider request fields. Form bodies arrive as strings (arrays when a key repeats);
// Exotel may send JSON, whose values can be numbers, null or nested objects. Every reader
// here tolerates all of those, so a parser never throws on a shape it did not expect.

/** Decoded request fields: a parsed form body, a parsed query string or a parsed JSON body. */
export type CallbackParams = Readonly<Record<string, unknown>>;

/** Multimap of decoded form or query fields, as signatures need them. */
export type FormFields = Record<string, string[]>;

/** The first scalar value of `name`, as a string; undefined when absent, null or not scalar. */
export function readParam(params: CallbackParams, name: string): string | undefined {
  if (!Object.hasOwn(params, name)) return undefined;
  const value = params[name];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof first === 'string') return first;
  if (typeof first === 'number' || typeof first === 'boolean') return String(first);
  return undefined;
}

/** The first of `names` that has a non-blank value, trimmed. */
export function readFirst(params: CallbackParams, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = readParam(params, name)?.trim();
    if (value) return value;
  }
  return undefined;
}

/** A non-negative integer field (durations, sequence numbers); garbage reads as absent. */
export function readCount(params: CallbackParams, ...names: string[]): number | undefined {
  const raw = readFirst(params, ...names);
  if (raw === undefined || !/^\d+(\.\d+)?$/.test(raw)) return undefined;
  return Math.trunc(Number(raw));
}

/** Parses an application/x-www-form-urlencoded body ('+' is a space, as browsers and providers send). */
export function parseFormBody(raw: string | Buffer): FormFields {
  return collect(new URLSearchParams(typeof raw === 'string' ? raw : raw.toString('utf8')));
}

/** The decoded query string of `url` (a full URL or a path). */
export function parseQuery(url: string): FormFields {
  const at = url.indexOf('?');
  if (at < 0) return {};
  const end = url.indexOf('#', at);
  return collect(new URLSearchParams(url.slice(at + 1, end < 0 ? undefined : end)));
}

/** Scalar fields of `params` as a multimap of strings; nested objects are dropped. */
export function toFormFields(params: CallbackParams): FormFields {
  const out: FormFields = {};
  for (const [key, value] of Object.entries(params)) {
    const values = (Array.isArray(value) ? value : [value]).flatMap((v: unknown) =>
      typeof v === 'string' ? [v] : typeof v === 'number' || typeof v === 'boolean' ? [String(v)] : [],
    );
    if (values.length > 0) out[key] = values;
  }
  return out;
}

/** Header lookup that ignores case; Node lower-cases, hand-built test headers may not. */
export function readHeader(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    return typeof value === 'string' ? value : value.join(',');
  }
  return undefined;
}

function collect(search: URLSearchParams): FormFields {
  const out: FormFields = {};
  for (const [key, value] of search) (out[key] ??= []).push(value);
  return out;
}
