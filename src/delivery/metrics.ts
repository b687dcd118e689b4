/**
 * Delivery metrics, registered on the app's Prometheus registry by src/api/metrics.ts.
 *
 *   buddy_webhook_queue_depth{state}                  pending messages: due now | scheduled later
 *   buddy_webhook_attempts_total{kind,result}         attempts: success | failure
 *   buddy_webhook_messages_total{kind,status}         messages finished: succeeded | failed
 *   buddy_webhook_attempt_duration_seconds{kind}      request latency of each attempt
 *   buddy_webhook_first_attempt_delay_seconds         enqueue → first attempt start
 */
import { sql } from 'kysely';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Db } from '../db/connection.ts';

export type DeliveryMetrics = {
  attempt(kind: string, success: boolean, durationMs: number): void;
  finished(kind: string, status: 'succeeded' | 'failed'): void;
  firstAttemptDelay(ms: number): void;
};

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function createDeliveryMetrics(registry: Registry, db: Db): DeliveryMetrics {
  const attempts = new Counter({
    name: 'buddy_webhook_attempts_total',
    help: 'Webhook delivery attempts by message kind and result (success = 2xx)',
    labelNames: ['kind', 'result'],
    registers: [registry],
  });
  const messages = new Counter({
    name: 'buddy_webhook_messages_total',
    help: 'Webhook messages that reached a final state, by kind and status',
    labelNames: ['kind', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'buddy_webhook_attempt_duration_seconds',
    help: 'Duration of each webhook attempt, from dispatch to the end of the response (or the error)',
    labelNames: ['kind'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const delay = new Histogram({
    name: 'buddy_webhook_first_attempt_delay_seconds',
    help: 'Delay from a message being enqueued to its first attempt starting',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  new Gauge({
    name: 'buddy_webhook_queue_depth',
    help: 'Pending webhook messages: due now (or being attempted) and scheduled for a later retry',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const at = Date.now();
      const row = await sql<{ due: number | string | null; scheduled: number | string | null }>`
        select sum(case when next_attempt_at <= ${at} or lease_owner is not null then 1 else 0 end) as due,
               sum(case when next_attempt_at > ${at} and lease_owner is null then 1 else 0 end) as scheduled
        from webhook_messages where status = 'pending'`.execute(db.kysely);
      this.set({ state: 'due' }, Number(row.rows[0]?.due ?? 0));
      this.set({ state: 'scheduled' }, Number(row.rows[0]?.scheduled ?? 0));
    },
  });
  return {
    attempt(kind, success, durationMs) {
      attempts.inc({ kind, result: success ? 'success' : 'failure' });
      duration.observe({ kind }, durationMs / 1000);
    },
    finished(kind, status) {
      messages.inc({ kind, status });
    },
    firstAttemptDelay(ms) {
      delay.observe(ms / 1000);
    },
  };
}

/** For processes without an HTTP app (tests, the bench): records nothing. */
export const NO_DELIVERY_METRICS: DeliveryMetrics = { attempt() {}, finished() {}, firstAttemptDelay() {} };
