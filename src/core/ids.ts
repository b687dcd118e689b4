import { randomUUID } from 'node:crypto';

/** Resource ids are UUIDs, as in the reference platform (lead ids appear in customers' webhooks). */
export const newId = (): string => randomUUID();

export const now = (): number => Date.now();

export const iso = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();
