/**
 * The provider webhooks, for {provider} in twilio | plivo | exotel, under the API prefix and
 * outside bearer auth (reference "Inbound webhooks"):
 *
 *   /{provider}/answer                     the call was answered (ours, or an inbound call)
 *   /{provider}/gather                     a gathered input (the next conversation turn)
 *   /{provider}/prompt                     the latest document (Exotel's Gather/Greeting applets)
 *   /{provider}/callback/status            call progress and end
 *   /{provider}/callback/details           the recording
 *   /{provider}/callback/transfer/status   warm transfer: the agent leg / the dial's end
 *   /{provider}/callback/transfer/events   warm transfer: conference events
 *
 * Each provider is its own plugin scope, with its own body parsers (the raw body is kept:
 * Twilio and Plivo sign the decoded form, and Exotel's JSON must parse) and one check before
 * any handler runs: the request is signed by the provider (or the emulator) for the PUBLIC URL
 * it was sent to (PUBLIC_BASE_URL + path + query, never the Host header), else 403 and nothing
 * changes. Whatever the provider sent that we cannot use is a 400, never a 500.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, forbidden } from '../../api/errors.ts';
import { MalformedCallbackError } from '../errors.ts';
import { PROVIDERS } from '../index.ts';
import { parseFormBody } from '../params.ts';
import type { ProviderName, RenderedDocument } from '../provider.ts';
import { handleAnswer, handleGather, handlePrompt } from './conversation-routes.ts';
import { handleDetailsCallback, handleTransferCallback } from './details-callbacks.ts';
import { OWN_QUERY_KEYS, type OwnQuery, type ProviderRequest, type ProviderRouteDeps } from './route-deps.ts';
import { handleStatusCallback } from './status-callback.ts';

export type { ProviderRouteDeps } from './route-deps.ts';

type Handler = (deps: ProviderRouteDeps, req: ProviderRequest) => Promise<RenderedDocument | null | void>;

const ROUTES: Readonly<Record<string, Handler>> = {
  '/answer': handleAnswer,
  '/gather': handleGather,
  '/prompt': handlePrompt,
  '/callback/status': handleStatusCallback,
  '/callback/details': handleDetailsCallback,
  '/callback/transfer/status': (deps, req) => handleTransferCallback(deps, req, 'status'),
  '/callback/transfer/events': (deps, req) => handleTransferCallback(deps, req, 'events'),
};

export async function registerProviderWebhooks(app: FastifyInstance, deps: ProviderRouteDeps): Promise<void> {
  for (const name of PROVIDERS) {
    await app.register(async (scope) => providerScope(scope, name, deps), { prefix: `/${name}` });
  }
}

function loggedRequest(req: FastifyRequest): Record<string, unknown> {
  return { method: req.method, url: withoutSecret(req.url), remoteAddress: req.ip };
}

const withoutSecret = (url: string): string => url.replace(/([?&]bb_secret=)[^&#]*/g, '$1***');

function providerScope(scope: FastifyInstance, name: ProviderName, deps: ProviderRouteDeps): void {
  const rawBodies = new WeakMap<FastifyRequest, string>();
  const verified = new WeakMap<FastifyRequest, ProviderRequest>();

  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (req, body, done) => {
    rawBodies.set(req, body as string);
    done(null, Object.fromEntries(Object.entries(parseFormBody(body as string)).map(([k, v]) => [k, v.length === 1 ? v[0] : v])));
  });
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    rawBodies.set(req, body as string);
    try {
      const parsed: unknown = body === '' ? {} : JSON.parse(body as string);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SyntaxError('not an object');
      done(null, parsed);
    } catch {
      done(badRequest('Malformed JSON body: expected an object'), undefined);
    }
  });
  // Anything else carries no fields we read; it is still signed as sent.
  scope.addContentTypeParser('*', { parseAs: 'string' }, (req, body, done) => {
    rawBodies.set(req, body as string);
    done(null, {});
  });

  scope.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err instanceof MalformedCallbackError) return reply.code(400).send({ detail: err.message });
    throw err;
  });

  scope.addHook('preValidation', async (req) => {
    const query = (req.query ?? {}) as Record<string, unknown>;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const providerQuery = Object.fromEntries(Object.entries(query).filter(([k]) => !(OWN_QUERY_KEYS as readonly string[]).includes(k)));
    const params = { ...providerQuery, ...body };
    const url = deps.runtime.publicBaseUrl + req.url;
    const input = { url, method: req.method, headers: req.headers, rawBody: rawBodies.get(req), params };
    const verifier = deps.runtime.verifiers(name).find((v) => v.adapter.verifyRequest(input));
    if (!verifier) {
      req.log.warn({ provider: name, url: withoutSecret(req.url) }, 'provider request refused: bad or missing signature');
      throw forbidden('Request signature is missing or invalid');
    }
    verified.set(req, { adapter: verifier.adapter, test: verifier.test, params, own: ownQuery(query) });
  });

  for (const [path, handler] of Object.entries(ROUTES)) {
    scope.route({
      method: ['GET', 'POST'],
      url: path,
      schema: { tags: ['provider-webhooks'], summary: `${name}${path}`, security: [] },
      // Exotel's URLs carry the deployment secret: request logs show them without it.
      logSerializers: { req: loggedRequest },
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        const request = verified.get(req);
        if (!request) throw forbidden('Request signature is missing or invalid');
        const doc = await handler(deps, request);
        if (!doc) return reply.code(200).type('text/plain; charset=utf-8').send('');
        return reply.code(doc.status ?? 200).type(doc.contentType).send(doc.body);
      },
    });
  }
}

function ownQuery(query: Record<string, unknown>): OwnQuery {
  const own: OwnQuery = {};
  for (const key of OWN_QUERY_KEYS) {
    const value = query[key];
    if (typeof value === 'string') own[key] = value;
    else if (Array.isArray(value) && typeof value[0] === 'string') own[key] = value[0];
  }
  return own;
}
