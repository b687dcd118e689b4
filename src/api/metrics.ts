/** Prometheus metrics (names follow the reference platform where it names them, §20.4). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from '../db/connection.ts';
import { createDeliveryMetrics, type DeliveryMetrics } from '../delivery/metrics.ts';
import { createDispatchMetrics, type DispatchMetrics } from '../dispatch/metrics.ts';

export type Metrics = {
  registry: Registry;
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  leadsCreated: Counter;
  /** Webhook queue depth, attempts, outcomes and latency (src/delivery/metrics.ts). */
  delivery: DeliveryMetrics;
  /** Leads started, refused and deferred, provider requests, dispatch delay (src/dispatch/metrics.ts). */
  dispatch: DispatchMetrics;
};

export function createMetrics(db: Db): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const leadsCreated = new Counter({ name: 'buddy_leads_created_total', help: 'Leads accepted by POST /leads', registers: [registry] });

  const countByStatus = async (status: string) => {
    const row = await db.kysely
      .selectFrom('leads')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('status', '=', status)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  };
  new Gauge({
    name: 'breeze_buddy_lead_backlog',
    help: 'Leads waiting in BACKLOG',
    registers: [registry],
    async collect() {
      this.set(await countByStatus('BACKLOG'));
    },
  });
  new Gauge({
    name: 'breeze_buddy_active_calls',
    help: 'Leads whose call is in progress (PROCESSING)',
    registers: [registry],
    async collect() {
      this.set(await countByStatus('PROCESSING'));
    },
  });

  const delivery = createDeliveryMetrics(registry, db);
  const dispatch = createDispatchMetrics(registry, db);

  return {
    registry,
    leadsCreated,
    delivery,
    dispatch,
    observeRequest(method, route, status, seconds) {
      httpDuration.observe({ method, route, status: String(status) }, seconds);
    },
  };
}
