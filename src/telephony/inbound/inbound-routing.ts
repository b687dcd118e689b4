/**
 * Which templates answer a call to one of our numbers (reference §15.5).
 *
 * Mapping: a template answers inbound calls to the number its `outbound_number_id` names
 * ("every outbound number is also a receiving number", §9.2) when it is active and inbound is
 * enabled for it — `enable_inbound` of its call execution configuration (default true) and of
 * its `configurations` (default true); either one false turns it off. Several templates on one
 * number make a menu, in `configurations.ivr_priority` order (lower first; unset last; then by
 * name), and "press 1" picks the first.
 *
 * Providers spell the dialled number differently (Twilio +14155550100, Plivo 14155550100,
 * Exotel's 080… national form), so numbers are matched in E.164, India assumed for a national
 * form since that is the only country Exotel serves.
 */
import type { Kysely, Selectable } from 'kysely';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { Database, NumbersTable } from '../../db/schema.ts';
import { decodeTemplate, type Template } from '../../db/repos/templates.ts';
import { loadCallConfig } from '../../calls/attempts.ts';
import { DEFAULT_CALL_CONFIG, type CallConfig } from '../../domain/call-config.ts';
import type { TemplateConfigurations } from '../../domain/template/index.ts';

export type InboundCandidate = { template: Template; configurations: TemplateConfigurations; config: CallConfig };

export type NumberRouting = {
  number: Selectable<NumbersTable>;
  /** Templates that take the call, in menu order. */
  enabled: InboundCandidate[];
  /** Templates mapped to the number with inbound turned off (their block action still applies). */
  disabled: InboundCandidate[];
};

/** The E.164 form of a number as a provider wrote it, or the input when it cannot be read. */
export function toE164(raw: string): string {
  const trimmed = raw.trim();
  if (/^\+\d{6,15}$/.test(trimmed)) return trimmed;
  if (/^0\d{6,14}$/.test(trimmed)) return parsePhoneNumberFromString(trimmed, 'IN')?.number ?? trimmed;
  if (/^\d{6,15}$/.test(trimmed)) return `+${trimmed}`;
  return trimmed;
}

export async function findNumberRouting(db: Kysely<Database>, dialled: string): Promise<NumberRouting | null> {
  const candidates = [...new Set([dialled.trim(), toE164(dialled)])];
  const number = await db
    .selectFrom('numbers')
    .selectAll()
    .where('phone_number', 'in', candidates)
    .where('status', '!=', 'DISABLED')
    .executeTakeFirst();
  if (!number) return null;
  const rows = await db
    .selectFrom('templates')
    .selectAll()
    .where('outbound_number_id', '=', number.id)
    .where('is_active', '=', 1)
    .execute();
  const all: InboundCandidate[] = [];
  for (const row of rows) {
    const template = decodeTemplate(row);
    const config = (await loadCallConfig(db, template.id)) ?? DEFAULT_CALL_CONFIG;
    all.push({ template, config, configurations: template.configurations as TemplateConfigurations });
  }
  all.sort(menuOrder);
  const takesCalls = (c: InboundCandidate) => c.config.enable_inbound && c.configurations.enable_inbound !== false;
  return { number, enabled: all.filter(takesCalls), disabled: all.filter((c) => !takesCalls(c)) };
}

function menuOrder(a: InboundCandidate, b: InboundCandidate): number {
  const pa = a.configurations.ivr_priority ?? Number.MAX_SAFE_INTEGER;
  const pb = b.configurations.ivr_priority ?? Number.MAX_SAFE_INTEGER;
  return pa !== pb ? pa - pb : a.template.name.localeCompare(b.template.name);
}
