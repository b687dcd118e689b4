/**
 * The delivery worker: a BackgroundTask that claims due webhook messages, signs and sends
 * them through the SSRF-guarded client, and records every attempt.
 *
 *   claim (claims.ts) ─▶ secrets (secret-cache.ts) ─▶ gate per origin (destinations.ts)
 *     ─▶ sendAttempt (send-attempt.ts) ─▶ settlementFor (attempt-outcome.ts)
 *     ─▶ settler (batched write, settler.ts)
 *
 * It claims: at start; when this process enqueues (signals.ts) or another node's NOTIFY wakes it
 * (cross-node-wakeups.ts); when a retry it scheduled comes due; every `pollIntervalMs` (messages
 * of nodes that do not notify, parked overflow, expired leases);
 * again at once when a claim came back full; and when capacity frees after it ran out. It holds at most
 * `concurrency` messages (sending, waiting for their destination, or waiting to be recorded).
 *
 * Stopping: no new claims; waiting messages are handed back; requests in flight get
 * `stopGraceMs` to finish and be recorded, then are aborted (their leases expire and another
 * worker sends them again).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { BackgroundTask } from '../service.ts';
import type { Db } from '../db/connection.ts';
import type { FlagStore } from '../flags/flag-store.ts';
import type { DeliveryConfig } from './delivery-config.ts';
import { claimDueMessages, settleMessages, type ClaimedMessage, type Settlement } from './claims.ts';
import { isSuccess, releaseFor, settlementFor, type AttemptResult } from './attempt-outcome.ts';
import { createDestinationGate } from './destinations.ts';
import { createSettler } from './settler.ts';
import { createSecretCache } from './secret-cache.ts';
import { onEnqueued } from './signals.ts';
import { sendAttempt } from './send-attempt.ts';
import { breakerOutcome, type Permit } from './circuit-breaker.ts';
import { createOutboundClient, type OutboundClient } from './outbound-http.ts';
import { parseRetryPolicy, type RetryPolicy } from './retry-policy.ts';
import { NO_DELIVERY_METRICS, type DeliveryMetrics } from './metrics.ts';

export type DeliveryWorker = BackgroundTask & {
  readonly id: string;
  /** Look for due messages now (another node enqueued some: cross-node-wakeups.ts). */
  wake(): void;
  stats(): { held: number; inFlight: number; waiting: number; unrecorded: number };
};

export type DeliveryWorkerOptions = {
  db: Db;
  config: DeliveryConfig;
  flags: FlagStore;
  logger: Logger;
  metrics?: DeliveryMetrics;
  /** Defaults to an SSRF-guarded client built from `config`. */
  client?: OutboundClient;
  workerId?: string;
  rng?: () => number;
  stopGraceMs?: number;
};

const MAX_CLAIM = 256; // rows per claim query
const MAX_SETTLE = 1000; // rows per settlement transaction
const RETRY_AFTER_ERROR_MS = 1_000; // a batch whose secrets could not be loaded comes back after this
const LEASE_MARGIN_MS = 1_000; // never start a request that could outlive the lease (plus time to record it)
const DUE_SLACK_MS = 10; // messages coming due within one such slot share one wake-up

export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const { db, config, flags, logger } = options;
  const id = options.workerId ?? `wkr_${randomBytes(5).toString('hex')}`;
  const metrics = options.metrics ?? NO_DELIVERY_METRICS;
  const rng = options.rng ?? Math.random;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const client =
    options.client ??
    createOutboundClient({
      allowPrivateNetworks: config.allowPrivateNetworks,
      connectTimeoutMs: config.connectTimeoutMs,
      totalTimeoutMs: config.totalTimeoutMs,
      maxResponseBytes: 64 * 1024,
      httpsOnly: config.httpsOnly,
      connectionsPerOrigin: config.destinationConcurrency,
    });
  const secrets = createSecretCache(db.kysely);
  const settler = createSettler({
    maxBatch: MAX_SETTLE,
    // At a few hundred messages a second this turns one commit per result into one per ten.
    lingerMs: 10,
    retryDelayMs: 500,
    logger,
    write: async (batch) => {
      await settleMessages(db, batch, Date.now());
      wakeWhenDue(batch);
      refill();
    },
  });
  const gate = createDestinationGate<ClaimedMessage>(
    {
      maxConcurrent: config.destinationConcurrency,
      // One origin may hold half the worker's capacity (a quarter in flight at most by default).
      maxWaiting: Math.max(4 * config.destinationConcurrency, config.concurrency >> 1),
      failureThreshold: config.breakerFailures,
      cooldownMs: config.breakerCooldownMs,
    },
    { start: send, release, onRoom: () => pump() },
  );

  let running = false;
  let held = 0; // claimed, not yet handed to the settler
  let inFlight = 0;
  let claims = 0;
  let pumping: Promise<void> | null = null;
  let again = false;
  let starved = false;
  let policy: RetryPolicy = config.retryPolicy;
  let flagPolicy: { spec: string; policy: RetryPolicy } | null = null;
  let timer: NodeJS.Timeout | undefined;
  let dueTimer: NodeJS.Timeout | undefined;
  const dueSlots = new Set<number>();
  let unsubscribe: (() => void) | undefined;
  let inFlightDone: (() => void) | null = null;

  const room = () => config.concurrency - held - settler.pending();

  /** The flag store (DevCycle, then env) may switch the policy at run time; a bad value keeps the configured one. */
  function currentPolicy(): RetryPolicy {
    const spec = flags.string('webhook_retry_policy', '').trim();
    if (spec === '') return config.retryPolicy;
    if (flagPolicy?.spec !== spec) {
      try {
        flagPolicy = { spec, policy: parseRetryPolicy(spec) };
      } catch (err) {
        logger.warn({ err: (err as Error).message }, 'webhook_retry_policy flag is invalid; using WEBHOOK_RETRY_POLICY');
        flagPolicy = { spec, policy: config.retryPolicy };
      }
    }
    return flagPolicy.policy;
  }

  function pump(): void {
    if (!running) return;
    if (pumping !== null) {
      again = true;
      return;
    }
    pumping = claimLoop().finally(() => {
      pumping = null;
    });
  }

  async function claimLoop(): Promise<void> {
    try {
      for (;;) {
        again = false;
        const free = room();
        const limit = Math.min(free, MAX_CLAIM, gate.claimLimit());
        if (limit <= 0 || !running) {
          starved = free <= 0;
          return;
        }
        const at = Date.now();
        const batch = await claimDueMessages(db, { leaseToken: `${id}:${++claims}`, leaseMs: config.leaseMs, limit, now: at });
        if (batch.length > 0) await admit(batch);
        // A full batch means more may be due, unless one destination's line is full (its
        // draining calls pump again).
        if ((batch.length < limit || gate.saturated()) && !again) return;
      }
    } catch (err) {
      logger.error({ err }, 'webhook delivery: claiming failed; retrying at the next poll');
    }
  }

  async function admit(batch: ClaimedMessage[]): Promise<void> {
    held += batch.length;
    const at = Date.now();
    policy = currentPolicy();
    try {
      await secrets.prepare(
        batch.map((m) => m.owner),
        at,
      );
    } catch (err) {
      logger.error({ err }, 'webhook delivery: loading signing secrets failed');
      for (const message of batch) release(message, at + RETRY_AFTER_ERROR_MS);
      return;
    }
    if (running) gate.admit(batch);
    else for (const message of batch) release(message, at);
  }

  function send(message: ClaimedMessage, permit: Permit | null): void {
    const startedAt = Date.now();
    if (message.leaseExpiresAt - startedAt < config.totalTimeoutMs + LEASE_MARGIN_MS) {
      // Waited too long for its destination: the lease could lapse mid-request.
      permit?.release('neutral');
      release(message, startedAt);
      if (permit) queueMicrotask(() => gate.settled(permit.origin, null));
      return;
    }
    inFlight++;
    if (message.attemptCount === 0 && !message.manual) metrics.firstAttemptDelay(startedAt - message.createdAt);
    void sendAttempt(client, message, secrets.secretsFor(message.owner, startedAt), startedAt).then((result) => finish(message, permit, result));
  }

  function finish(message: ClaimedMessage, permit: Permit | null, result: AttemptResult): void {
    inFlight--;
    held--;
    const settlement = settlementFor(message, result, { policy, rng, now: Date.now() });
    permit?.release(breakerOutcome(result));
    metrics.attempt(message.kind, result.error === undefined && isSuccess(result.status), result.durationMs);
    if (settlement.status !== 'pending') metrics.finished(message.kind, settlement.status);
    // No error text: an unparseable URL is quoted in it, and a hook URL may carry a secret. The
    // attempt row keeps the full error, and the API masks secrets in it.
    if (settlement.status === 'failed') {
      logger.warn({ message_id: message.id, kind: message.kind, attempts: settlement.attemptCount, status_code: settlement.lastStatusCode, error_kind: result.error }, 'webhook message failed');
    }
    settler.add(settlement);
    if (permit) gate.settled(permit.origin, result.durationMs);
    if (inFlight === 0) inFlightDone?.();
    refill();
  }

  function release(message: ClaimedMessage, retryAt: number): void {
    held--;
    settler.add(releaseFor(message, retryAt));
  }

  /**
   * Retries that come due before the next poll: claim again when each comes due, rather than up
   * to a poll interval late. Due times are rounded up to the end of their DUE_SLACK_MS slot
   * (never early), one wake-up a slot. Messages handed back untried (a busy receiver's parked
   * overflow) are left to the gate's pacing and the poll: waking for them at their estimated
   * drain time re-claimed many while the line was still full (about 12 % fewer deliveries/s
   * in the burst benchmark, and a longer tail).
   */
  function wakeWhenDue(batch: readonly Settlement[]): void {
    const horizon = Date.now() + config.pollIntervalMs;
    const before = dueSlots.size;
    for (const s of batch) {
      if (s.attempt === undefined || s.status !== 'pending' || s.nextAttemptAt === null || s.nextAttemptAt >= horizon) continue;
      dueSlots.add(Math.ceil(s.nextAttemptAt / DUE_SLACK_MS) * DUE_SLACK_MS);
    }
    if (dueSlots.size > before) armDueTimer();
  }

  function armDueTimer(): void {
    clearTimeout(dueTimer);
    if (!running || dueSlots.size === 0) return;
    const next = Math.min(...dueSlots);
    dueTimer = setTimeout(
      () => {
        const now = Date.now();
        for (const slot of dueSlots) if (slot <= now) dueSlots.delete(slot);
        pump();
        armDueTimer();
      },
      Math.max(0, next - Date.now()),
    );
  }

  /** After running out of room, claim again once a quarter of it is free. */
  function refill(): void {
    if (starved && running && room() >= Math.max(1, config.concurrency >> 2)) {
      starved = false;
      pump();
    }
  }

  return {
    name: 'webhook-delivery',
    id,
    start() {
      if (running) return;
      running = true;
      unsubscribe = onEnqueued(pump);
      timer = setInterval(pump, config.pollIntervalMs);
      pump();
    },
    async stop() {
      const wasRunning = running;
      running = false;
      unsubscribe?.();
      clearInterval(timer);
      clearTimeout(dueTimer);
      if (wasRunning) {
        await pumping;
        for (const message of gate.takeWaiting()) release(message, Date.now());
        if (inFlight > 0) {
          await new Promise<void>((resolve) => {
            inFlightDone = resolve;
            setTimeout(resolve, stopGraceMs).unref();
          });
        }
        await Promise.race([settler.drain(), new Promise((resolve) => setTimeout(resolve, stopGraceMs).unref())]);
      }
      settler.close();
      secrets.close();
      await (inFlight > 0 ? client.destroy() : client.close());
    },
    wake: pump,
    stats: () => ({ held, inFlight, waiting: gate.waitingCount(), unrecorded: settler.pending() }),
  };
}
