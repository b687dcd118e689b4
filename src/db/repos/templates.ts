import type { Kysely, Selectable } from 'kysely';
import type { Database, TemplatesTable } from '../schema.ts';
import { fromJson } from '../json.ts';

export type TemplateRow = Selectable<TemplatesTable>;

/** A template with its JSON columns decoded. `secrets` stay inside the domain; views drop them. */
export type Template = {
  id: string;
  reseller_id: string;
  merchant_id: string | null;
  name: string;
  flow: Record<string, unknown>;
  expected_payload_schema: Record<string, unknown> | null;
  configurations: Record<string, unknown>;
  secrets: Record<string, string>;
  expected_callback_response_schema: Record<string, unknown> | null;
  outbound_number_id: string | null;
  is_active: boolean;
  created_at: number;
  updated_at: number;
};

export function decodeTemplate(row: TemplateRow): Template {
  return {
    ...row,
    flow: fromJson(row.flow, {}),
    expected_payload_schema: fromJson(row.expected_payload_schema, null),
    configurations: fromJson(row.configurations, {}),
    secrets: fromJson(row.secrets, {}),
    expected_callback_response_schema: fromJson(row.expected_callback_response_schema, null),
    is_active: row.is_active === 1,
  };
}

export async function findTemplateById(db: Kysely<Database>, id: string): Promise<Template | undefined> {
  const row = await db.selectFrom('templates').selectAll().where('id', '=', id).executeTakeFirst();
  return row && decodeTemplate(row);
}

/**
 * The template a lead names: the merchant's own template of that name when the lead has a
 * merchant, else the reseller-wide one (reference §4.1: merchant_id is needed only when the
 * template belongs to a merchant).
 */
export async function findTemplateByName(
  db: Kysely<Database>,
  owner: { reseller_id: string; merchant_id: string | null },
  name: string,
): Promise<Template | undefined> {
  const rows = await db
    .selectFrom('templates')
    .selectAll()
    .where('reseller_id', '=', owner.reseller_id)
    .where('name', '=', name)
    .where((eb) => (owner.merchant_id ? eb.or([eb('merchant_id', '=', owner.merchant_id), eb('merchant_id', 'is', null)]) : eb('merchant_id', 'is', null)))
    .execute();
  const row = rows.find((r) => r.merchant_id !== null) ?? rows[0];
  return row && decodeTemplate(row);
}
