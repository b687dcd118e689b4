/**
 * DevCycle's outbound webhook body (payload version "1", anchors §C1):
 *
 *   { events: string[], key?: featureKey, projectId, version,
 *     changes: [{ type, newContents|null, previousContents|null, _environments?, metadata? }],
 *     date: ISODate, user: { name?, email } }
 *
 * DevCycle signs nothing, so the body is only a hint that something changed: Buddy re-reads the
 * truth from the config CDN. The dedupe key covers what identifies one change (when, what,
 * where), so a notification delivered twice, to the same or another process, refreshes once.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { stableStringify } from '../core/stable-json.ts';

const change = z
  .object({
    type: z.string().min(1),
    newContents: z.unknown().optional(),
    previousContents: z.unknown().optional(),
    _environments: z.array(z.string()).optional(),
    metadata: z.unknown().optional(),
  })
  .passthrough();

export const devCycleNotification = z
  .object({
    events: z.array(z.string().min(1)).min(1),
    key: z.string().optional(),
    projectId: z.string().min(1),
    version: z.string().optional(),
    changes: z.array(change),
    date: z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 date'),
    user: z.object({ name: z.string().optional(), email: z.string().optional() }).passthrough().optional(),
  })
  .passthrough();

export type DevCycleNotification = z.infer<typeof devCycleNotification>;

export function notificationDedupeKey(n: DevCycleNotification): string {
  const identity = { projectId: n.projectId, key: n.key ?? null, events: n.events, date: n.date, changes: n.changes };
  return createHash('sha256').update(stableStringify(identity)).digest('hex');
}
