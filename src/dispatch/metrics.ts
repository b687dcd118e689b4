/**
 * Dispatcher metrics, registered on the app's Prometheus registry by src/api/metrics.ts.
 *
 *   buddy_dispatch_leads_total{result}                  leads through the dial transaction: started | deferred | refused | lost
 *   buddy_dispatch_refusals_total{outcome}              leads refused before dialling, by outcome word (NO_CONFIG, BLACKLISTED…)
 *   buddy_dispatch_placements_total{provider,result}    provider requests: placed | refused | retry_later | no_answer
 *   buddy_dispatch_delay_seconds                        due time (next_attempt_at) → provider request
 *   buddy_dispatch_placement_duration_seconds{provider} how long the provider took to accept or refuse
 *   buddy_dispatch_due_leads                            BACKLOG leads due now; above zero for long = dispatch lag
 *
 * `no_answer` placements are left to the sweeper, which looks the call up instead of dialling again.
 */
import { sql } from 'kysely';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Db } from '../db/connection.ts';
import { DIALLED_MODES } from './claim.ts';

export type PlacementResult = 'placed' | 'refused' | 'retry_later' | 'no_answer';

export type DispatchMetrics = {
  lead(result: 'started' | 'deferred' | 'refused' | 'lost'): void;
  refusal(outcome: string): void;
  placement(provider: string, result: PlacementResult, durationMs: number): void;
  delay(ms: number): void;
};

const DELAY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const PLACEMENT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

export function createDispatchMetrics(registry: Registry, db: Db): DispatchMetrics {
  const leads = new Counter({
    name: 'buddy_dispatch_leads_total',
    help: 'Leads taken through the dial transaction, by result (started = an attempt was opened for a call)',
    labelNames: ['result'],
    registers: [registry],
  });
  const refusals = new Counter({
    name: 'buddy_dispatch_refusals_total',
    help: 'Leads refused before dialling, by outcome word',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const placements = new Counter({
    name: 'buddy_dispatch_placements_total',
    help: 'Requests to place a call with a provider, by provider and result',
    labelNames: ['provider', 'result'],
    registers: [registry],
  });
  const placementDuration = new Histogram({
    name: 'buddy_dispatch_placement_duration_seconds',
    help: 'Time the provider took to accept or refuse a call request',
    labelNames: ['provider'],
    buckets: PLACEMENT_BUCKETS,
    registers: [registry],
  });
  const delay = new Histogram({
    name: 'buddy_dispatch_delay_seconds',
    help: "Delay from a lead's due time (next_attempt_at) to its provider request",
    buckets: DELAY_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'buddy_dispatch_due_leads',
    help: 'BACKLOG leads of dialled execution modes whose due time has passed',
    registers: [registry],
    async collect() {
      const row = await db.kysely
        .selectFrom('leads')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where(sql<boolean>`status = 'BACKLOG'`)
        .where('next_attempt_at', '<=', Date.now())
        .where('execution_mode', 'in', DIALLED_MODES)
        .executeTakeFirst();
      this.set(Number(row?.n ?? 0));
    },
  });
  return {
    lead: (result) => leads.inc({ result }),
    refusal: (outcome) => refusals.inc({ outcome }),
    placement(provider, result, durationMs) {
      placements.inc({ provider, result });
      placementDuration.observe({ provider }, durationMs / 1000);
    },
    delay: (ms) => delay.observe(Math.max(0, ms) / 1000),
  };
}

/** For processes without an HTTP app (tests, the bench): records nothing. */
export const NO_DISPATCH_METRICS: DispatchMetrics = { lead() {}, refusal() {}, placement() {}, delay() {} };
