/**
 * What the gates read about a batch of claimed leads, loaded with one query per table rather
 * than one per lead: templates, call configurations, numbers and blacklist entries. A batch
 * lives for one tick, so a change made through the API applies from the next tick.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, NumbersTable } from '../db/schema.ts';
import { fromJson } from '../db/json.ts';
import type { LeadRow } from '../db/repos/leads.ts';
import { decodeTemplate, type Template } from '../db/repos/templates.ts';
import { callConfigSchema, type CallConfig } from '../domain/call-config.ts';

export type NumberRow = Selectable<NumbersTable>;

export type LoadedConfig =
  | { ok: true; config: CallConfig }
  | { ok: false; problem: string };

export type BatchContext = {
  template(id: string): Template | undefined;
  config(templateId: string): LoadedConfig | undefined;
  isBlacklisted(resellerId: string, phone: string): boolean;
  /** AVAILABLE numbers of the provider a lead may use: the merchant's own and reseller-wide ones. */
  numbersFor(lead: Pick<LeadRow, 'reseller_id' | 'merchant_id'>, provider: string): NumberRow[];
};

const unique = <T>(items: T[]): T[] => [...new Set(items)];

export async function loadBatchContext(db: Kysely<Database>, leads: LeadRow[]): Promise<BatchContext> {
  const templateIds = unique(leads.map((l) => l.template_id));
  const resellers = unique(leads.map((l) => l.reseller_id));
  const phones = unique(leads.map((l) => phoneOf(l)).filter((p): p is string => p !== undefined));

  const [templates, configs, numbers, blacklist] = await Promise.all([
    db.selectFrom('templates').selectAll().where('id', 'in', templateIds).execute(),
    db.selectFrom('call_configs').select(['template_id', 'settings']).where('template_id', 'in', templateIds).execute(),
    db.selectFrom('numbers').selectAll().where('reseller_id', 'in', resellers).where('status', '=', 'AVAILABLE').orderBy('phone_number').execute(),
    phones.length === 0
      ? Promise.resolve([])
      : db.selectFrom('blacklist').select(['reseller_id', 'phone_number']).where('reseller_id', 'in', resellers).where('phone_number', 'in', phones).execute(),
  ]);

  const templateById = new Map(templates.map((t) => [t.id, decodeTemplate(t)]));
  const configByTemplate = new Map<string, LoadedConfig>();
  for (const row of configs) {
    const raw = fromJson<Record<string, unknown>>(row.settings, {});
    const parsed = callConfigSchema.safeParse(raw);
    configByTemplate.set(
      row.template_id,
      parsed.success
        ? { ok: true, config: parsed.data }
        : { ok: false, problem: `the call configuration is invalid (${parsed.error.issues.map((i) => i.path.join('.')).join(', ')})` },
    );
  }
  const blocked = new Set(blacklist.map((b) => `${b.reseller_id}\n${b.phone_number}`));

  return {
    template: (id) => templateById.get(id),
    config: (templateId) => configByTemplate.get(templateId),
    isBlacklisted: (resellerId, phone) => blocked.has(`${resellerId}\n${phone}`),
    numbersFor: (lead, provider) =>
      numbers.filter((n) => n.reseller_id === lead.reseller_id && n.provider === provider && (n.merchant_id === null || n.merchant_id === lead.merchant_id)),
  };
}

/** The number to dial, as pushed (`payload.customer_mobile_number`), when it is a string. */
export function phoneOf(lead: Pick<LeadRow, 'payload'>): string | undefined {
  const value = fromJson<Record<string, unknown>>(lead.payload, {}).customer_mobile_number;
  return typeof value === 'string' ? value : undefined;
}
