/**
 * The provider emulator: a local stand-in for the Twilio, Plivo and Exotel REST APIs Buddy
 * calls, mounted under /twilio, /plivo and /exotel, that plays every call it is asked to place
 * back into Buddy as the provider would (player.ts), answered by scripted callers (scripts.ts).
 *
 * It runs in-process (tests; TELEPHONY_TEST leads when EMULATOR_ENABLED) or standalone
 * (`buddy emulator`). A small control API drives it:
 *
 *   GET    /control/health                       {ok, live_calls}
 *   GET    /control/scripts                      the default script and the per-number ones
 *   PUT    /control/scripts/default              set the default script
 *   PUT    /control/scripts/{number}             script for calls to (or inbound from) a number
 *   DELETE /control/scripts/{number}
 *   GET    /control/calls                        every call, newest first
 *   GET    /control/calls/{id}                   one call: heard, said, dialled, events
 *   GET    /control/calls/{id}/wait?timeout_ms=  the same, once the call has ended
 *   POST   /control/inbound                      a customer calls one of our numbers
 *   POST   /control/reset                        forget calls and scripts
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import type { ProviderName } from '../provider.ts';
import { callView, type EmulatedCall } from './emulated-call.ts';
import { EmulatorState } from './emulator-state.ts';
import { exotelRoutes } from './exotel-api.ts';
import { dispatch, readRequest, writeReply, type ApiReply, type ApiRequest, type Route } from './http-in.ts';
import { InboundNotConfigured, placeInboundCall, type InboundCallRequest } from './inbound-calls.ts';
import { plivoRoutes } from './plivo-api.ts';
import type { ScriptRegistry } from './scripts.ts';
import { twilioRoutes } from './twilio-api.ts';

export type EmulatorStartOptions = {
  host?: string;
  /** 0 (default): an ephemeral port. */
  port?: number;
  /** Before a call's first callback (default 25 ms). */
  ringDelayMs?: number;
  logger?: Logger;
  /** Auth token of the emulator's accounts (one, or one per provider): signs inbound calls;
   *  outbound ones are signed with the token that placed them. */
  authToken: string | Readonly<Record<ProviderName, string>>;
};

export type Emulator = {
  readonly baseUrl: string;
  readonly scripts: ScriptRegistry;
  call(id: string): EmulatedCall | undefined;
  calls(): EmulatedCall[];
  waitForCall(id: string, timeoutMs?: number): Promise<EmulatedCall>;
  placeInbound(request: InboundCallRequest): EmulatedCall;
  close(): Promise<void>;
};

export async function startEmulator(options: EmulatorStartOptions): Promise<Emulator> {
  let baseUrl = '';
  const token = options.authToken;
  const tokens = typeof token === 'string' ? { twilio: token, plivo: token, exotel: token } : token;
  const state = new EmulatorState({ ringDelayMs: options.ringDelayMs ?? 25, logger: options.logger, baseUrl: () => baseUrl, accountTokens: tokens });
  const routes: Route[] = [...twilioRoutes(state), ...plivoRoutes(state), ...exotelRoutes(state), ...controlRoutes(state)];

  const server: Server = createServer((req, res) => {
    readRequest(req)
      .then((parsed) => dispatch(routes, parsed))
      .catch((err: unknown): ApiReply => {
        if (err instanceof ZodError) return { status: 422, json: { error: 'invalid request', issues: err.issues } };
        if (err instanceof InboundNotConfigured) return { status: 409, json: { error: err.message } };
        options.logger?.error({ err }, 'emulator: request failed');
        return { status: 500, json: { error: 'emulator error' } };
      })
      .then((reply) => writeReply(res, reply))
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;

  const find = (id: string) => state.find('twilio', id) ?? state.find('plivo', id) ?? state.find('exotel', id);
  return {
    baseUrl,
    scripts: state.scripts,
    call: find,
    calls: () => state.list(),
    waitForCall: (id, timeoutMs) => state.waitFor(id, timeoutMs),
    placeInbound: (request) => placeInboundCall(state, request),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await state.settle();
    },
  };
}

function controlRoutes(state: EmulatorState): Route[] {
  const find = (id: string) => state.find('twilio', id) ?? state.find('plivo', id) ?? state.find('exotel', id);
  const body = (req: ApiRequest) => (req.json ?? {}) as Record<string, unknown>;
  return [
    { method: 'GET', pattern: /^\/control\/health$/, handle: () => ({ status: 200, json: { ok: true, live_calls: state.liveCount() } }) },
    { method: 'GET', pattern: /^\/control\/scripts$/, handle: () => ({ status: 200, json: state.scripts.list() }) },
    { method: 'PUT', pattern: /^\/control\/scripts\/default$/, handle: (req) => ({ status: 200, json: state.scripts.setDefault(body(req)) }) },
    { method: 'PUT', pattern: /^\/control\/scripts\/([^/]+)$/, handle: (req) => ({ status: 200, json: state.scripts.set(req.params[0]!, body(req)) }) },
    {
      method: 'DELETE',
      pattern: /^\/control\/scripts\/([^/]+)$/,
      handle: (req) => (state.scripts.delete(req.params[0]!) ? { status: 204 } : { status: 404, json: { error: 'no script for that number' } }),
    },
    { method: 'GET', pattern: /^\/control\/calls$/, handle: () => ({ status: 200, json: { calls: state.list().map(callView) } }) },
    {
      method: 'GET',
      pattern: /^\/control\/calls\/([^/]+)$/,
      handle: (req) => {
        const call = find(req.params[0]!);
        return call ? { status: 200, json: callView(call) } : { status: 404, json: { error: 'no such call' } };
      },
    },
    {
      method: 'GET',
      pattern: /^\/control\/calls\/([^/]+)\/wait$/,
      handle: async (req) => {
        if (!find(req.params[0]!)) return { status: 404, json: { error: 'no such call' } };
        const timeout = Math.min(Number(req.query.get('timeout_ms') ?? 10_000) || 10_000, 120_000);
        return { status: 200, json: callView(await state.waitFor(req.params[0]!, timeout)) };
      },
    },
    {
      method: 'POST',
      pattern: /^\/control\/inbound$/,
      handle: (req) => {
        const call = placeInboundCall(state, body(req) as InboundCallRequest);
        return { status: 201, json: { call_sid: call.sid, provider: call.provider } };
      },
    },
    {
      method: 'POST',
      pattern: /^\/control\/reset$/,
      handle: () => {
        state.reset();
        return { status: 204 };
      },
    },
  ];
}
