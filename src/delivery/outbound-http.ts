// THE way Buddy calls customer-supplied URLs (reporting webhooks, service
// callbacks, template hooks, pre-checks). Nothing else may send HTTP to a URL
// a customer controls.
//
// SSRF defence, in the order a request meets it:
//   1. URL: only http/https (https only if `httpsOnly`); a literal IP host is
//      checked here and refused before anything is dispatched.
//   2. Connector: the undici connector re-checks literal IPs (net.connect
//      skips `lookup` for them, the postiz-app bypass, anchors D2), and for
//      names passes our `lookup` to net/tls.connect. That lookup resolves
//      ALL addresses, refuses the host if ANY is blocked, and hands exactly
//      those checked addresses to the socket, so there is no window between
//      check and connect for DNS rebinding.
//   3. Redirects are never followed; a 3xx comes back as a response.
// Which addresses are blocked: ip-policy.ts. `allowPrivateNetworks` CIDRs
// override the block list (development and tests).
//
// Throughput: one undici Agent per client, keep-alive pools per origin, so a
// steady stream to one receiver reuses warm connections. Create one client
// per process, not per request.
import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupAllOptions, LookupOptions } from 'node:dns';
import type { IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';
import { Agent, buildConnector } from 'undici';
import type { Dispatcher } from 'undici';
import { boundedMemo } from './bounded-memo.ts';
import { blockReason, parseCidr, parseIp } from './ip-policy.ts';
import type { Cidr } from './ip-policy.ts';
import {
  BlockedAddressError,
  DisallowedUrlError,
  OutboundConnectError,
  OutboundError,
  OutboundRequestError,
  OutboundTimeoutError,
} from './outbound-errors.ts';

export type ResolvedAddress = { address: string; family: 4 | 6 };

export type OutboundClientOptions = {
  /** CIDRs exempt from the block list, e.g. ['127.0.0.0/8'] for a local receiver. */
  allowPrivateNetworks: readonly string[];
  /** DNS + TCP (+ TLS) handshake budget. */
  connectTimeoutMs: number;
  /** Budget for the whole exchange, from dispatch to the last body byte read. */
  totalTimeoutMs: number;
  /** Response bytes read before the rest is discarded (the connection is then dropped). */
  maxResponseBytes: number;
  /** Refuse plain http:// URLs. */
  httpsOnly?: boolean;
  /** Keep-alive connections per origin; keep the per-destination concurrency cap at or below it. */
  connectionsPerOrigin?: number;
  /** Requests in flight per connection; 1 = no pipelining (see README: head-of-line blocking). */
  pipelining?: number;
  /** Idle keep-alive sockets are closed after this long. */
  keepAliveTimeoutMs?: number;
  /** Sent when the caller gives no user-agent header. */
  userAgent?: string;
  /** Replaces system DNS, for tests and custom resolvers. Every address it returns is checked. */
  resolve?: (hostname: string) => Promise<ResolvedAddress[]>;
};

export type OutboundRequest = {
  url: string | URL;
  method?: string;
  headers?: Readonly<Record<string, string>>;
  body?: string | Uint8Array;
  /** A shorter budget than the client's totalTimeoutMs for this request (e.g. an HTTP function's own timeout). */
  totalTimeoutMs?: number;
  /** Body bytes to return in `bodyExcerpt` instead of EXCERPT_BYTES, for callers that parse the answer (capped at maxResponseBytes). */
  excerptBytes?: number;
};

export type OutboundResponse = {
  status: number;
  /** Lower-case names; repeated headers are joined with ", ". */
  headers: Record<string, string>;
  /** First EXCERPT_BYTES of the body decoded as UTF-8, for attempt logs. */
  bodyExcerpt: string;
  /** True when the body was longer than the excerpt. */
  bodyTruncated: boolean;
  durationMs: number;
};

export type OutboundClient = {
  request(req: OutboundRequest): Promise<OutboundResponse>;
  /** Waits for requests in flight, then closes the connections. */
  close(): Promise<void>;
  /** Aborts requests in flight (they reject) and closes the connections. */
  destroy(): Promise<void>;
};

export const EXCERPT_BYTES = 1024;

/** Checked URLs a client remembers (see `targetOf`). */
const MAX_TARGETS = 1_000;

type Target = { origin: string; path: string; basicAuth: string | null };

// Hop-by-hop and framing headers are ours to set: undici rejects some of them
// outright, and a template-supplied Host or Content-Length could make the
// request say something other than what the URL and body say.
const STRIPPED_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'content-length',
  'expect',
]);

// Undici's own argument errors mean we built a bad request, not that the
// receiver is down.
const REQUEST_ERROR_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH']);

export function createOutboundClient(options: OutboundClientOptions): OutboundClient {
  const allow: readonly Cidr[] = options.allowPrivateNetworks.map((c) => parseCidr(c));
  const { connectTimeoutMs, totalTimeoutMs, maxResponseBytes } = options;
  for (const [name, value] of Object.entries({ connectTimeoutMs, totalTimeoutMs, maxResponseBytes })) {
    if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be > 0 (got ${value})`);
  }
  const resolveHost = options.resolve ?? systemResolve;
  const userAgent = options.userAgent ?? 'Buddy-Webhooks/1';

  function checkLiteral(hostname: string): void {
    const ip = parseIp(hostname);
    if (ip === null) return;
    const reason = blockReason(ip, allow);
    if (reason === null) return;
    const bare = hostname.replace(/^\[|\]$/g, '');
    throw new BlockedAddressError(bare, bare, reason, 'url');
  }

  const guardedLookup = (
    hostname: string,
    lookupOptions: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    // Promise.resolve().then also turns a synchronous throw into a rejection.
    Promise.resolve(hostname).then(resolveHost).then(
      (resolved) => {
        const wanted = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : null;
        const addresses = wanted === null ? resolved : resolved.filter((a) => a.family === wanted);
        if (addresses.length === 0) {
          callback(Object.assign(new Error(`no addresses for ${hostname}`), { code: 'ENOTFOUND' }), []);
          return;
        }
        for (const a of addresses) {
          const ip = parseIp(a.address);
          const reason = ip === null ? 'unparseable address' : blockReason(ip, allow);
          if (reason !== null) {
            callback(new BlockedAddressError(a.address, hostname, reason, 'dns'), []);
            return;
          }
        }
        const first = addresses[0] as ResolvedAddress;
        if (lookupOptions.all === true) callback(null, addresses);
        else callback(null, first.address, first.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, []),
    );
  };

  const baseConnect = buildConnector({ timeout: connectTimeoutMs, lookup: guardedLookup });
  const connect: buildConnector.connector = (connectOptions, callback) => {
    try {
      checkLiteral(connectOptions.hostname);
    } catch (err) {
      callback(err as Error, null);
      return;
    }
    baseConnect(connectOptions, callback);
  };

  const agent = new Agent({
    connect,
    connections: options.connectionsPerOrigin ?? 256,
    pipelining: options.pipelining ?? 1,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
    // Backstops only; the per-request timer in Exchange is the real limit.
    headersTimeout: totalTimeoutMs + 1_000,
    bodyTimeout: totalTimeoutMs + 1_000,
  });

  /** Where a URL sends a request, once it passed the URL checks (1 and, for a literal IP, 2). */
  function checkedTarget(input: string | URL): Target {
    const url = parseUrl(input, options.httpsOnly === true);
    checkLiteral(url.hostname);
    return { origin: url.origin, path: `${url.pathname}${url.search}`, basicAuth: basicAuthOf(url) };
  }
  // A worker calls the same few URLs over and over; parsing and checking one each time cost
  // more than the rest of building the request.
  const targetOf = boundedMemo(MAX_TARGETS, checkedTarget);

  function request(req: OutboundRequest): Promise<OutboundResponse> {
    let target: Target;
    let headers: Record<string, string>;
    try {
      target = typeof req.url === 'string' ? targetOf(req.url) : checkedTarget(req.url);
      headers = buildHeaders(req.headers, target.basicAuth, userAgent);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise((resolve, reject) => {
      const totalMs = Math.min(req.totalTimeoutMs ?? totalTimeoutMs, totalTimeoutMs);
      const excerptBytes = Math.min(req.excerptBytes ?? EXCERPT_BYTES, maxResponseBytes);
      const exchange = new Exchange(resolve, reject, options, totalMs, excerptBytes);
      agent.dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: req.method === undefined ? 'POST' : req.method.toUpperCase(),
          headers,
          body: req.body ?? null,
        },
        exchange,
      );
    });
  }

  return {
    request,
    close: () => agent.close(),
    destroy: () => agent.destroy(),
  };
}

function systemResolve(hostname: string): Promise<ResolvedAddress[]> {
  const opts: LookupAllOptions = { all: true, verbatim: true };
  return new Promise((resolve, reject) => {
    dnsLookup(hostname, opts, (err, addresses) => {
      if (err) reject(err);
      else resolve(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })));
    });
  });
}

function parseUrl(input: string | URL, httpsOnly: boolean): URL {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new DisallowedUrlError(`invalid URL: ${String(input)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DisallowedUrlError(`URL scheme ${url.protocol} is not allowed; use http or https`);
  }
  if (httpsOnly && url.protocol !== 'https:') throw new DisallowedUrlError('plain http URLs are refused (https-only mode)');
  return url;
}

function buildHeaders(given: Readonly<Record<string, string>> | undefined, basicAuth: string | null, userAgent: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(given ?? {})) {
    const lower = name.toLowerCase();
    if (!STRIPPED_HEADERS.has(lower)) headers[lower] = value;
  }
  headers['user-agent'] ??= userAgent;
  if (basicAuth !== null) headers['authorization'] ??= basicAuth;
  return headers;
}

/**
 * Credentials in the URL (https://user:pass@host/) are honoured as Basic auth, since undici
 * would otherwise drop them, unless the caller sets an authorization header.
 */
function basicAuthOf(url: URL): string | null {
  if (url.username === '' && url.password === '') return null;
  const creds = `${safeDecode(url.username)}:${safeDecode(url.password)}`;
  return `Basic ${Buffer.from(creds).toString('base64')}`;
}

function safeDecode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component; // malformed %-escape: send it as written
  }
}

// One request/response, driven by undici's dispatch handler API rather than
// agent.request(): no Readable body stream and no AbortSignal per request.
// Measured on 2 vCPUs against a local receiver: agent.request + AbortSignal
// ~25k req/s, this handler ~35k req/s, the same as bare undici.
class Exchange implements Dispatcher.DispatchHandler {
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private controller: Dispatcher.DispatchController | null = null;
  private settled = false;
  private status = 0;
  private headers: Record<string, string> = {};
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private totalBytes = 0;

  constructor(
    private readonly resolve: (res: OutboundResponse) => void,
    private readonly reject: (err: OutboundError) => void,
    private readonly options: OutboundClientOptions,
    /** This request's budget (the client's, or a shorter one the caller asked for). */
    private readonly totalTimeoutMs: number,
    private readonly excerptBytes: number,
  ) {
    this.timer = setTimeout(() => this.onTotalTimeout(), totalTimeoutMs);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // The deadline passed while the request waited for a connection.
    if (this.settled) controller.abort(new OutboundTimeoutError('total', this.totalTimeoutMs));
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    this.status = statusCode;
    this.headers = flattenHeaders(headers);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.keptBytes < this.excerptBytes) {
      const slice = chunk.subarray(0, this.excerptBytes - this.keptBytes);
      this.kept.push(slice);
      this.keptBytes += slice.length;
    }
    this.totalBytes += chunk.length;
    if (this.totalBytes > this.options.maxResponseBytes) {
      // Answer with what we have and drop the socket instead of reading an
      // arbitrarily large (or endless) body.
      this.finish();
      controller.abort(new OutboundRequestError('response body exceeded maxResponseBytes'));
    }
  }

  onResponseEnd(): void {
    this.finish();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.reject(mapError(err, this.options.connectTimeoutMs, this.totalTimeoutMs));
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    // Cutting at 1 KB can split a UTF-8 sequence; drop the resulting U+FFFD. (Most receivers
    // answer with an empty body.)
    const excerpt = this.keptBytes === 0 ? '' : Buffer.concat(this.kept).toString('utf8').replace(/\uFFFD+$/, '');
    this.resolve({
      status: this.status,
      headers: this.headers,
      bodyExcerpt: excerpt,
      bodyTruncated: this.totalBytes > this.excerptBytes,
      durationMs: Math.round((performance.now() - this.started) * 100) / 100,
    });
  }

  private onTotalTimeout(): void {
    if (this.settled) return;
    this.settled = true;
    const err = new OutboundTimeoutError('total', this.totalTimeoutMs);
    this.reject(err);
    this.controller?.abort(err);
  }
}

function flattenHeaders(raw: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function mapError(err: unknown, connectTimeoutMs: number, totalTimeoutMs: number): OutboundError {
  if (err instanceof OutboundError) return err;
  const code = errorCode(err);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return new OutboundTimeoutError('connect', connectTimeoutMs, { cause: err });
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new OutboundTimeoutError('total', totalTimeoutMs, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  if (code !== undefined && REQUEST_ERROR_CODES.has(code)) return new OutboundRequestError(message, { cause: err });
  return new OutboundConnectError(code ?? 'UNKNOWN', message === '' ? (code ?? 'connection failed') : message, { cause: err });
}

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Happy-eyeballs failures arrive as an AggregateError of per-address errors.
  if (err instanceof AggregateError) return errorCode(err.errors[0]);
  return undefined;
}
