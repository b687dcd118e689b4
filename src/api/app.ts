/**
 * Builds the Fastify app (tests use `app.inject`, src/main.ts calls listen). Shared
 * infrastructure is passed in as `deps`; each resource is its own encapsulated plugin.
 */
import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/connection.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { FlagStore } from '../flags/flag-store.ts';
import type { FlagSync } from '../flags/flag-sync.ts';
import { HttpError, type FieldIssue } from './errors.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { registerAuthentication } from './authenticate.ts';
import { registerOperationalRoutes } from './routes/operational.ts';
import { registerLoginRoute, registerTokenRoutes } from './routes/auth.ts';
import { registerTemplateRoutes } from './routes/templates.ts';
import { registerTestConversationRoutes } from './routes/test-conversations.ts';
import { registerConfigRoutes } from './routes/configs.ts';
import { registerNumberRoutes } from './routes/numbers.ts';
import { registerMerchantRoutes } from './routes/merchants.ts';
import { registerBlacklistRoutes } from './routes/blacklist.ts';
import { registerCredentialRoutes } from './routes/credentials.ts';
import { registerLeadRoutes } from './routes/leads.ts';
import { registerDeliveryRoutes } from './routes/deliveries.ts';
import { registerSigningSecretRoutes } from './routes/signing-secrets.ts';
import { registerDevCycleWebhook } from './routes/devcycle.ts';
import { registerFlagRoutes } from './routes/flags.ts';
import { registerProviderWebhooks } from '../telephony/routes/index.ts';
import type { TelephonyAppDeps } from '../telephony/telephony.ts';

export type AppDeps = {
  config: Config;
  db: Db;
  tokens: TokenService;
  logger: Logger;
  metrics?: Metrics;
  flags: FlagStore;
  /** Present when DevCycle is configured: the webhook asks it to refresh, GET /flags shows its state. */
  devcycle?: FlagSync;
  /** Provider webhooks (/{provider}/answer, /callback/*) and number setup; absent in bare app tests. */
  telephony?: TelephonyAppDeps;
};

/** The app as route modules see it: request types inferred from their zod schemas. */
export type Routes = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const metrics = deps.metrics ?? createMetrics(deps.db);
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: deps.config.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    // Providers and customers may send "/path/" and "/path" interchangeably.
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(formbody);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Buddy API', version: '0.1.0', description: 'Breeze Buddy compatible voice-agent call platform' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).send({ detail: 'Not Found' });
  });
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof HttpError) {
      return reply.code(err.statusCode).headers(err.headers).send({ detail: err.detail });
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const where = err.validationContext === 'querystring' ? 'query' : (err.validationContext ?? 'body');
      const detail: FieldIssue[] = err.validation.map((v) => ({
        loc: [where, ...v.instancePath.split('/').filter(Boolean).map((s) => (/^\d+$/.test(s) ? Number(s) : s))],
        msg: v.message ?? 'invalid value',
        type: v.keyword,
      }));
      return reply.code(422).send({ detail });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
      return reply.code(400).send({ detail: 'Malformed JSON body' });
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ detail: err.message });
    }
    req.log.error({ err, reqId: req.id }, 'internal error');
    return reply.code(500).send({ error: 'Internal server error', request_id: req.id });
  });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  registerOperationalRoutes(typed, { ...deps, metrics });
  registerDevCycleWebhook(typed, deps);

  await app.register(
    async (api) => {
      const scoped = api.withTypeProvider<ZodTypeProvider>();
      registerLoginRoute(scoped, deps);
      // Providers authenticate by signature (or Exotel's URL secret), not by bearer token.
      if (deps.telephony) await scoped.register(async (providers) => registerProviderWebhooks(providers, deps.telephony!.routes));
      await scoped.register(async (secured) => {
        registerAuthentication(secured, deps.tokens);
        const routes = secured.withTypeProvider<ZodTypeProvider>();
        registerTokenRoutes(routes, deps);
        registerTemplateRoutes(routes, deps);
        registerTestConversationRoutes(routes, deps);
        registerConfigRoutes(routes, deps);
        registerNumberRoutes(routes, deps);
        registerMerchantRoutes(routes, deps);
        registerBlacklistRoutes(routes, deps);
        registerCredentialRoutes(routes, deps);
        registerLeadRoutes(routes, deps);
        registerDeliveryRoutes(routes, deps);
        registerSigningSecretRoutes(routes, deps);
        registerFlagRoutes(routes, deps);
      });
    },
    { prefix: deps.config.apiPrefix },
  );

  return app;
}
