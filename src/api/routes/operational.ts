import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app.ts';
import type { Metrics } from '../metrics.ts';

/** Root-level routes outside the API prefix and without auth: health, metrics, the OpenAPI document. */
export function registerOperationalRoutes(app: FastifyInstance, deps: AppDeps & { metrics: Metrics }): void {
  app.get('/health', { schema: { hide: true } }, async (req, reply) => {
    try {
      await sql`select 1`.execute(deps.db.kysely);
      return { status: 'ok' };
    } catch (err) {
      req.log.error({ err }, 'health check: database unreachable');
      return reply.code(503).send({ status: 'unavailable', detail: 'database unreachable' });
    }
  });

  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
