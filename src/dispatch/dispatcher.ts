/**
 * The dispatcher: every tick it claims due leads (claim.ts) and takes each through the gates
 * to a placed call. One lead's path:
 *
 *   claimed ─gates.ts─▶ refuse ──▶ attempt started and finished NOT_INITIATED (its webhook queued)
 *      │          └───▶ defer  ──▶ BACKLOG again with a later next_attempt_at (nothing spent)
 *      └─pre-checks─▶ (same refuse / defer)
 *      └─dial-transaction.ts, in a group with the leads that arrive meanwhile: lease still ours?
 *          rate limit, free channel, startAttempts ─commit─▶ place with the provider
 *          (idempotency key = dial_key) ─▶ recordPlaced (grouped too) ─▶ PROCESSING
 *
 * Placement failures: a refusal the provider answered (PlacementError) either finishes the
 * attempt as a failed call (and the retry rules apply) or, when transient, gives the attempt
 * back and retries the placement later. No answer at all leaves the attempt open without a
 * call id for the sweeper (sweeper.ts), which looks the call up instead of dialling again.
 *
 * The kill switch (flag bb_dispatch_enabled) is read every tick: off, nothing is claimed.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db } from '../db/connection.ts';
import { fromJson } from '../db/json.ts';
import type { LeadRow } from '../db/repos/leads.ts';
import type { FlagStore } from '../flags/flag-store.ts';
import { dispatchEnabled } from '../flags/index.ts';
import { finishAttempt, type CallAttempt } from '../calls/attempts.ts';
import { notifyEnqueued } from '../delivery/signals.ts';
import type { BackgroundTask } from '../service.ts';
import { PlacementError, type CallPlacer } from './call-placer.ts';
import { claimDueLeads, deferLead, extendLease, holdLeases } from './claim.ts';
import { createCallRecorder } from './call-recorder.ts';
import { loadBatchContext } from './batch-context.ts';
import { evaluateGates, type DialPlan } from './gates.ts';
import { runPreChecks, worstCaseMs, type PreCheckResult, type SendRequest } from './pre-checks.ts';
import { rateLimitOf } from './channels.ts';
import { refuseIn, startDials, type DialRequest, type DialStart, type Refusal } from './dial-transaction.ts';
import { createLimiter } from './limiter.ts';
import { createGrouper } from './grouper.ts';
import { NO_DISPATCH_METRICS, type DispatchMetrics, type PlacementResult } from './metrics.ts';

export type DispatchSettings = {
  tickMs: number;
  batchSize: number;
  /** Leads in flight (gates, pre-checks, provider request) at once, per process. */
  concurrency: number;
  leaseSeconds: number;
};

export type DispatcherDeps = {
  db: Db;
  flags: FlagStore;
  logger: Logger;
  placer: CallPlacer;
  send: SendRequest;
  settings: DispatchSettings;
  metrics?: DispatchMetrics;
  clock?: () => number;
};

export type Dispatcher = BackgroundTask & {
  /** Claims one batch and starts it; resolves with the number of leads claimed. */
  tick(): Promise<number>;
  /** Waits until every lead in flight is done. */
  drain(): Promise<void>;
};

const placementRetryMs = () => 15_000 + Math.floor(Math.random() * 30_000);
/**
 * Transactions one dispatcher keeps open at once (refusals, and one dial group at a time):
 * below the connection pool's size (10), so that a transaction waiting for a number's row lock
 * can never leave recording a placed call (or the next claim) without a connection.
 */
const OPEN_TRANSACTIONS = 7;
/** Leads started per dial transaction at most (each costs a row in a few multi-row statements). */
const MAX_DIAL_GROUP = 200;

export function createDispatcher(deps: DispatcherDeps): Dispatcher {
  const { db, flags, logger, placer, settings } = deps;
  const clock = deps.clock ?? Date.now;
  const metrics = deps.metrics ?? NO_DISPATCH_METRICS;
  const nodeId = randomUUID().slice(0, 8);
  const inFlight = new Set<Promise<void>>();
  let claims = 0;
  let lastLimit = 0;
  let running = false;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  const leaseMs = settings.leaseSeconds * 1000;
  const inTransaction = createLimiter(OPEN_TRANSACTIONS);
  const recorder = createCallRecorder(db);
  const startDial = createGrouper<DialRequest, DialStart>(
    (requests) => inTransaction(() => db.kysely.transaction().execute((trx) => startDials(trx, { dialect: db.dialect, logger, now: clock(), leaseMs }, requests))),
    MAX_DIAL_GROUP,
  );

  async function tick(): Promise<number> {
    if (!dispatchEnabled(flags)) return 0;
    const token = `${nodeId}:${++claims}`;
    const now = clock();
    const room = settings.concurrency - inFlight.size;
    // Claiming a handful at a time costs a query and a batch load each; wait for room instead.
    const limit = room >= Math.min(settings.batchSize, settings.concurrency) / 4 ? Math.min(settings.batchSize, room) : 0;
    lastLimit = limit;
    const leads = await claimDueLeads(db.kysely, db.dialect, { token, limit, now, leaseMs });
    if (leads.length === 0) return 0;
    const batch = { ctx: await loadBatchContext(db.kysely, leads), token };
    for (const lead of leads) {
      const job: Promise<void> = processLead(lead, batch)
        .catch((err: unknown) => logger.error({ err, lead_id: lead.id }, 'dispatch failed; the lead is retried when its lease expires'))
        .finally(() => inFlight.delete(job));
      inFlight.add(job);
    }
    return leads.length;
  }

  type Batch = { ctx: Awaited<ReturnType<typeof loadBatchContext>>; token: string };

  async function processLead(lead: LeadRow, batch: Batch): Promise<void> {
    const payload = fromJson<Record<string, unknown>>(lead.payload, {});
    const verdict = evaluateGates({ lead, payload, ctx: batch.ctx, now: clock() });
    if (verdict.kind === 'defer') return defer(lead, batch.token, verdict.until, verdict.reason);
    if (verdict.kind === 'refuse') return refuse(lead, batch.token, verdict);

    const { plan } = verdict;
    let preChecks: PreCheckResult[] = [];
    if (plan.config.pre_checks.some((c) => c.enabled)) {
      // Slow checks must not let the lease lapse, or another node would run them again.
      if (!(await extendLease(db.kysely, lead.id, batch.token, clock() + worstCaseMs(plan.config.pre_checks) + leaseMs))) return;
      const result = await runPreChecks({ db: db.kysely, send: deps.send }, { lead, payload, secrets: plan.template.secrets, checks: plan.config.pre_checks });
      if (result.decision === 'skip') {
        return refuse(lead, batch.token, { word: 'PRECHECK_FAILED', reason: result.failureReason, provider: plan.provider, to: plan.to }, { pre_check_results: result.results });
      }
      if (result.decision === 'defer') return defer(lead, batch.token, clock() + result.deferSeconds * 1000, result.reason);
      preChecks = result.results;
    }
    await dial(lead, batch, plan, preChecks);
  }

  async function defer(lead: LeadRow, token: string, until: number, reason: string): Promise<void> {
    metrics.lead((await deferLead(db.kysely, lead.id, token, until, clock())) ? 'deferred' : 'lost');
    logger.debug({ lead_id: lead.id, until: new Date(until).toISOString(), reason }, 'lead deferred');
  }

  async function refuse(lead: LeadRow, token: string, r: Refusal, metaData?: Record<string, unknown>): Promise<void> {
    const refused = await inTransaction(() =>
      db.kysely.transaction().execute(async (trx) => {
        if (!(await holdLeases(trx, db.dialect, [{ id: lead.id, token }], clock(), leaseMs)).has(lead.id)) return false;
        await refuseIn(trx, lead, r, metaData);
        return true;
      }),
    );
    if (!refused) return metrics.lead('lost');
    notifyEnqueued(); // the refusal's reporting webhook is committed
    metrics.lead('refused');
    metrics.refusal(r.word);
    logger.info({ lead_id: lead.id, outcome: r.word, reason: r.reason }, 'lead refused before dialling');
  }

  async function dial(lead: LeadRow, batch: Batch, plan: DialPlan, preChecks: PreCheckResult[]): Promise<void> {
    const started = await startDial({ lead, plan, token: batch.token, rate: rateLimitOf(plan.config, flags), preChecks });
    metrics.lead(started.kind);
    if (started.kind === 'started') return place(lead, plan, started.attempt, started.from);
    if (started.kind === 'refused') {
      notifyEnqueued();
      metrics.refusal(started.word);
    }
    if (started.kind !== 'lost') logger.debug({ lead_id: lead.id, reason: started.reason }, `lead ${started.kind}`);
  }

  async function place(lead: LeadRow, plan: DialPlan, attempt: CallAttempt, from: string): Promise<void> {
    const isTest = lead.execution_mode === 'TELEPHONY_TEST';
    const requestedAt = clock();
    if (lead.next_attempt_at !== null) metrics.delay(requestedAt - Number(lead.next_attempt_at));
    const placement = (result: PlacementResult) => metrics.placement(plan.provider, result, clock() - requestedAt);
    let callId: string;
    try {
      ({ callId } = await placer.place({ lead, attempt, provider: plan.provider, from, to: plan.to, isTest }));
    } catch (err) {
      placement(err instanceof PlacementError ? (err.transient ? 'retry_later' : 'refused') : 'no_answer');
      if (!(err instanceof PlacementError)) {
        logger.warn({ err, lead_id: lead.id, dial_key: attempt.dial_key }, 'no answer from the provider; the sweeper will look the call up');
        return;
      }
      if (err.transient) {
        logger.warn({ err, lead_id: lead.id }, 'provider refused for now; placing again later');
        await finishAttempt(db.kysely, { attemptId: attempt.id, deferUntil: clock() + placementRetryMs() });
      } else {
        await finishAttempt(db.kysely, {
          attemptId: attempt.id,
          facts: { platform_status: 'INITIATED', platform_reason: 'DIALED', provider_status: 'NOT_ANSWERED', provider_reason: 'FAILED' },
          failureReason: `the provider refused the call: ${err.message}`,
        });
      }
      return;
    }
    placement('placed');
    await recorder.record(attempt.id, callId);
    logger.debug({ lead_id: lead.id, call_sid: callId, dial_key: attempt.dial_key }, 'call placed');
  }

  async function run(): Promise<void> {
    while (running) {
      let claimed = 0;
      try {
        claimed = await tick();
      } catch (err) {
        logger.error({ err }, 'dispatcher tick failed');
      }
      if (!running) break;
      // A batch as large as we asked for means more may be due: claim again at once. Short of
      // room, wait for a lead to finish; otherwise wait for the next tick.
      if (claimed > 0 && claimed === lastLimit) continue;
      const full = lastLimit === 0 && inFlight.size > 0;
      const pause = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, settings.tickMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      await (full ? Promise.race([pause, ...inFlight]) : pause);
    }
  }

  async function drain(): Promise<void> {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  }

  return {
    name: 'dispatcher',
    tick,
    drain,
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      wake?.();
      await loop;
      await drain();
    },
  };
}
