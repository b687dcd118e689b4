/** Database error codes we act on, named once (PostgreSQL SQLSTATE and SQLite result codes). */
const PG_UNIQUE_VIOLATION = '23505';
const SQLITE_UNIQUE = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === PG_UNIQUE_VIOLATION || (typeof code === 'string' && SQLITE_UNIQUE.has(code));
}
