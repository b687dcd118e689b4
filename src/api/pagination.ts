/**
 * Keyset pagination over (created_at, id), newest first. The cursor is opaque to callers:
 * base64url of "created_at:id" of the last row returned.
 */
import { z } from 'zod';
import { sql, type Expression, type SqlBool } from 'kysely';
import { badRequest } from './errors.ts';

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
};

export type Cursor = { createdAt: number; id: string };

export function decodeCursor(cursor: string | undefined): Cursor | null {
  if (!cursor) return null;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const sep = text.indexOf(':');
  const createdAt = Number(text.slice(0, sep));
  if (sep < 1 || !Number.isFinite(createdAt)) throw badRequest('cursor is not valid; pass next_cursor from a previous page');
  return { createdAt, id: text.slice(sep + 1) };
}

export function encodeCursor(row: { created_at: number; id: string }): string {
  return Buffer.from(`${row.created_at}:${row.id}`, 'utf8').toString('base64url');
}

/** Given limit+1 rows, the page and the cursor for the next one. */
export function pageOf<T extends { created_at: number; id: string }>(rows: T[], limit: number) {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { page, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/** Rows after the cursor in (created_at desc, id desc) order; unqualified columns, like ownedBy. */
export function afterCursor(cursor: Cursor): Expression<SqlBool> {
  return sql<SqlBool>`(created_at < ${cursor.createdAt} or (created_at = ${cursor.createdAt} and id < ${cursor.id}))`;
}
