/**
 * Reads the DevCycle environment config document from the config CDN, the way the Node server
 * SDK does: `GET {base}/config/v2/server/{serverKey}.json`, conditional on the ETag and
 * Last-Modified of the document we hold (304 = unchanged).
 *
 * The base URL is operator configuration (`DEVCYCLE_CONFIG_URL`), not a customer URL, so this
 * uses plain fetch rather than the SSRF-guarded client. Error messages never contain the URL:
 * it holds the server key, which is a secret.
 */
import { createHash } from 'node:crypto';

export type CdnRequest = {
  baseUrl: string;
  serverKey: string;
  etag: string | null;
  lastModified: number | null;
  timeoutMs: number;
  /** Aborts the request early (process shutdown). */
  signal?: AbortSignal;
};

export type CdnResult =
  | { kind: 'not_modified' }
  | {
      kind: 'document';
      document: Record<string, unknown>;
      contentHash: string;
      etag: string | null;
      /** The response's Last-Modified in epoch ms, when it had a valid one. */
      lastModified: number | null;
    };

export class CdnError extends Error {}

export async function fetchConfigDocument(req: CdnRequest): Promise<CdnResult> {
  const url = `${req.baseUrl}/config/v2/server/${encodeURIComponent(req.serverKey)}.json`;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (req.etag) headers['if-none-match'] = req.etag;
  if (req.lastModified !== null) headers['if-modified-since'] = new Date(req.lastModified).toUTCString();
  let res: Response;
  try {
    const timeout = AbortSignal.timeout(req.timeoutMs);
    const signal = req.signal ? AbortSignal.any([timeout, req.signal]) : timeout;
    res = await fetch(url, { headers, signal, redirect: 'follow' });
  } catch (err) {
    throw new CdnError(`config CDN unreachable: ${describeFetchError(err)}`);
  }
  if (res.status === 304) {
    await res.body?.cancel();
    return { kind: 'not_modified' };
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    // 403 is DevCycle's answer to an unknown server key.
    throw new CdnError(res.status === 403 ? 'config CDN refused the server key (403)' : `config CDN answered ${res.status}`);
  }
  const text = await res.text().catch((err: unknown) => {
    throw new CdnError(`config CDN body could not be read: ${describeFetchError(err)}`);
  });
  const document = parseConfigDocument(text);
  const lastModified = Date.parse(res.headers.get('last-modified') ?? '');
  return {
    kind: 'document',
    document,
    contentHash: createHash('sha256').update(text).digest('hex'),
    etag: res.headers.get('etag'),
    lastModified: Number.isNaN(lastModified) ? null : lastModified,
  };
}

/** The shape the SDK's bucketing needs at least; anything else is refused and the last good config stays. */
export function parseConfigDocument(text: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new CdnError('config document is not JSON');
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (
    !isObject(doc) ||
    !isObject(doc.project) ||
    !isObject(doc.environment) ||
    !Array.isArray(doc.features) ||
    !Array.isArray(doc.variables)
  ) {
    throw new CdnError('config document lacks project, environment, features or variables');
  }
  return doc;
}

function describeFetchError(err: unknown): string {
  if (err instanceof Error && err.name === 'TimeoutError') return 'timed out';
  const cause = (err as { cause?: { code?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  return err instanceof Error ? err.name : 'unknown error';
}
