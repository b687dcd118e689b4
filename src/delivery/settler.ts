/**
 * Writes settlements in batches, one transaction each (claims.ts `settleMessages`): while a
 * write is in progress the next batch accumulates, and a small batch waits up to `lingerMs`
 * for company. Each transaction costs a commit and a statement preparation whatever its size,
 * so under load batches of hundreds cost a fraction of batches of tens. Recording a result a
 * few milliseconds later delays nothing that a receiver sees.
 *
 * A failed write is retried (the rows stay leased meanwhile, so nobody else sends them); once
 * the settler is closed, what is left is dropped and those messages come back when their
 * leases run out — at least once, never lost.
 */
import type { Logger } from 'pino';
import type { Settlement } from './claims.ts';

export type Settler = {
  add(settlement: Settlement): void;
  /** Settlements not yet written (including the batch being written). */
  pending(): number;
  /** Resolves when everything added so far is written (or dropped by close). */
  drain(): Promise<void>;
  close(): void;
};

export type SettlerOptions = {
  write(batch: Settlement[]): Promise<void>;
  maxBatch: number;
  /** A batch smaller than maxBatch / 4 waits this long for more. */
  lingerMs: number;
  retryDelayMs: number;
  logger: Logger;
};

export function createSettler(options: SettlerOptions): Settler {
  let buffer: Settlement[] = [];
  let running = false;
  let closed = false;
  let idle: (() => void)[] = [];
  let writing = 0;

  function settleIdle(): void {
    const waiters = idle;
    idle = [];
    for (const resolve of waiters) resolve();
  }

  async function run(): Promise<void> {
    while (buffer.length > 0 && !closed) {
      if (buffer.length < options.maxBatch >> 2) await new Promise((resolve) => setTimeout(resolve, options.lingerMs));
      const batch = buffer.length <= options.maxBatch ? buffer : buffer.slice(0, options.maxBatch);
      buffer = batch === buffer ? [] : buffer.slice(options.maxBatch);
      writing = batch.length;
      try {
        await options.write(batch);
      } catch (err) {
        options.logger.error({ err, count: batch.length }, 'webhook delivery: recording attempts failed; retrying');
        buffer = batch.concat(buffer);
        await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs));
      } finally {
        writing = 0;
      }
    }
    if (closed) buffer = [];
    running = false;
    settleIdle();
  }

  return {
    add(settlement) {
      if (closed) return;
      buffer.push(settlement);
      if (!running) {
        running = true;
        void run();
      }
    },
    pending: () => buffer.length + writing,
    drain() {
      if (!running && buffer.length === 0) return Promise.resolve();
      return new Promise((resolve) => idle.push(resolve));
    },
    close() {
      closed = true;
      if (!running) {
        buffer = [];
        settleIdle();
      }
    },
  };
}
