/**
 * A stand-in for Twilio's REST API on 127.0.0.1 speaking its wire format (telephony.md §1.1):
 * `POST /2010-04-01/Accounts/{Sid}/Calls.json` (form-encoded, Basic auth) → 201 Call resource;
 * `GET …/Calls/{Sid}.json` → the resource or Twilio's 404 body; `GET …/Calls.json?To=&From=`
 * → a page of calls, newest first. Like the emulator (not like real Twilio) it honours the
 * `Idempotency-Key` header: a repeated key returns the call it created and dials nothing.
 *
 * It never calls back: tests finish attempts themselves or set a call's status here.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { twilioCallResource, twilioNotFound } from '../telephony/fixtures/twilio.ts';

export const FAKE_TWILIO = { accountSid: 'AC0123456789abcdef0123456789abcdef', authToken: 'fake-twilio-auth-token' } as const;

export type FakeCall = { sid: string; to: string; from: string; key: string | undefined; status: string; createdAt: number; answerUrl: string };
/** `localAddress`: the address the request came in on (127.0.0.x tells processes apart, see `listenOnAllLoopback`). */
export type CreateRequest = { to: string; from: string; key: string | undefined; receivedAt: number; localAddress: string };
/** 'create' (default); 'drop': create the call, then cut the connection unanswered; or a refusal. */
export type CreateReply = 'create' | 'drop' | { status: number; body: unknown };

export type FakeTwilio = {
  baseUrl: string;
  /** Env for a Buddy process that places its Twilio calls here. */
  env: Record<string, string>;
  /** Every create request, in arrival order (a replayed idempotency key is counted here too). */
  posts: CreateRequest[];
  /** Calls actually created, i.e. phones that would ring. */
  calls: FakeCall[];
  /** Every search (`GET …/Calls.json`): its filters and how many calls it returned. */
  searches: { to: string | null; from: string | null; found: number; at: number }[];
  setStatus(sid: string, status: string): void;
  close(): Promise<void>;
};

const rfc2822 = (ms: number) => new Date(ms).toUTCString().replace('GMT', '+0000');

export type FakeTwilioOptions = {
  /** Answer this much later (the call is created on arrival). */
  delayMs?: number;
  onCreate?: (req: CreateRequest) => CreateReply;
  /** Keep connections open between requests. Off by default: a test server's port can be reused by
   *  the next test's server while a client still pools a socket to the old one. */
  keepAlive?: boolean;
  /** Listen on every address (so also 127.0.0.2, 127.0.0.3…), not only 127.0.0.1. */
  listenOnAllLoopback?: boolean;
};

export async function startFakeTwilio(options: FakeTwilioOptions = {}): Promise<FakeTwilio> {
  const posts: CreateRequest[] = [];
  const calls: FakeCall[] = [];
  const searches: FakeTwilio['searches'] = [];
  const byKey = new Map<string, FakeCall>();
  const bySid = new Map<string, FakeCall>();
  const callsPath = `/2010-04-01/Accounts/${FAKE_TWILIO.accountSid}/Calls`;
  const auth = `Basic ${Buffer.from(`${FAKE_TWILIO.accountSid}:${FAKE_TWILIO.authToken}`).toString('base64')}`;
  const resource = (c: FakeCall) => twilioCallResource({ sid: c.sid, to: c.to, from: c.from, status: c.status, date_created: rfc2822(c.createdAt), date_updated: rfc2822(c.createdAt) });

  const send = (res: ServerResponse, status: number, body: unknown) => {
    const headers = { 'content-type': 'application/json', ...(!options.keepAlive && { connection: 'close' }) };
    const reply = () => res.writeHead(status, headers).end(JSON.stringify(body));
    if (options.delayMs) setTimeout(reply, options.delayMs);
    else reply();
  };

  function create(req: IncomingMessage, body: string, res: ServerResponse): void {
    const form = new URLSearchParams(body);
    const header = req.headers['idempotency-key'];
    const request: CreateRequest = {
      to: form.get('To') ?? '',
      from: form.get('From') ?? '',
      key: typeof header === 'string' ? header : undefined,
      receivedAt: Date.now(),
      localAddress: (req.socket.localAddress ?? '').replace(/^::ffff:/, ''),
    };
    posts.push(request);
    const replay = request.key === undefined ? undefined : byKey.get(request.key);
    if (replay) return send(res, 201, resource(replay));
    const reply = options.onCreate?.(request) ?? 'create';
    if (typeof reply === 'object') return send(res, reply.status, reply.body);
    const call: FakeCall = { sid: `CA${randomBytes(16).toString('hex')}`, ...request, status: 'queued', createdAt: request.receivedAt, answerUrl: form.get('Url') ?? '' };
    calls.push(call);
    bySid.set(call.sid, call);
    if (call.key !== undefined) byKey.set(call.key, call);
    if (reply === 'drop') return void req.socket.destroy();
    send(res, 201, resource(call));
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.headers.authorization !== auth) return send(res, 401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
      const url = new URL(req.url ?? '/', 'http://fake');
      if (req.method === 'POST' && url.pathname === `${callsPath}.json`) return create(req, Buffer.concat(chunks).toString('utf8'), res);
      if (req.method === 'GET' && url.pathname === `${callsPath}.json`) {
        const to = url.searchParams.get('To');
        const from = url.searchParams.get('From');
        const found = calls.filter((c) => (to === null || c.to === to) && (from === null || c.from === from)).reverse();
        searches.push({ to, from, found: found.length, at: Date.now() });
        return send(res, 200, { calls: found.map(resource), page: 0, page_size: 50, start: 0, end: Math.max(0, found.length - 1), next_page_uri: null, uri: url.pathname });
      }
      const sid = url.pathname.startsWith(`${callsPath}/`) ? decodeURIComponent(url.pathname.slice(callsPath.length + 1).replace(/\.json$/, '')) : undefined;
      const call = sid === undefined ? undefined : bySid.get(sid);
      if (req.method === 'GET' && call) return send(res, 200, resource(call));
      send(res, 404, twilioNotFound);
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, options.listenOnAllLoopback ? '0.0.0.0' : '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    env: { TWILIO_ACCOUNT_SID: FAKE_TWILIO.accountSid, TWILIO_AUTH_TOKEN: FAKE_TWILIO.authToken, TWILIO_API_BASE_URL: baseUrl },
    posts,
    calls,
    searches,
    setStatus(sid, status) {
      const call = bySid.get(sid);
      if (!call) throw new Error(`no call ${sid}`);
      call.status = status;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
