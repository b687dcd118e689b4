/**
 * Many due leads at once, written straight to the database (the API would take minutes for
 * thousands): one template with an always-open calling window, its call configuration, a few
 * numbers with plenty of channels, and leads whose due time the caller chooses.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/connection.ts';
import { toJson } from '../../src/db/json.ts';
import { callConfigSchema } from '../../src/domain/call-config.ts';
import { newLeadRow } from '../../src/db/repos/leads.ts';

export type SeedOptions = {
  leads: number;
  /** When lead `i` is due (epoch ms). */
  dueAt: (i: number) => number;
  numbers?: number;
  channelsPerNumber?: number;
};

const OWNER = { reseller_id: 'res_seed', merchant_id: null };

/** Destination of lead `i`: distinct per lead, so the per-destination rate limit never trips. */
export const seededPhone = (i: number): string => `+1415${String(6_000_000 + i).padStart(7, '0')}`;

export async function seedDueLeads(db: Db, options: SeedOptions): Promise<{ leadIds: string[] }> {
  const at = Date.now();
  const templateId = randomUUID();
  await db.kysely
    .insertInto('templates')
    .values({ id: templateId, ...OWNER, name: `seed-${templateId.slice(0, 8)}`, flow: toJson({}), expected_payload_schema: null, configurations: toJson({}), secrets: toJson({}), expected_callback_response_schema: null, outbound_number_id: null, is_active: 1, created_at: at, updated_at: at })
    .execute();
  const settings = callConfigSchema.parse({ call_start_time: '00:00', call_end_time: '00:00', timezone: 'UTC' });
  await db.kysely.insertInto('call_configs').values({ id: randomUUID(), ...OWNER, template_id: templateId, settings: toJson(settings), created_at: at, updated_at: at }).execute();
  const numbers = Array.from({ length: options.numbers ?? 3 }, (_, i) => ({
    id: randomUUID(),
    ...OWNER,
    phone_number: `+1415555${String(1000 + i)}`,
    provider: 'TWILIO',
    status: 'AVAILABLE',
    channel: 'voice',
    maximum_channels: options.channelsPerNumber ?? 1000,
    created_at: at,
    updated_at: at,
  }));
  await db.kysely.insertInto('numbers').values(numbers).execute();

  const leadIds: string[] = [];
  for (let start = 0; start < options.leads; start += 250) {
    const rows = Array.from({ length: Math.min(250, options.leads - start) }, (_, k) => {
      const i = start + k;
      const id = randomUUID();
      leadIds.push(id);
      return newLeadRow({
        id,
        owner: OWNER,
        template: { id: templateId, name: 'seed' },
        requestId: `seed-${i}`,
        payload: { customer_mobile_number: seededPhone(i) },
        executionMode: 'TELEPHONY',
        nextAttemptAt: options.dueAt(i),
        at,
      });
    });
    await db.kysely.insertInto('leads').values(rows).execute();
  }
  return { leadIds };
}
