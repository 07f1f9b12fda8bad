// Set-based SQL helpers shared by db/queries: a JavaScript array bound as ONE array parameter
// (drizzle spreads a bare array into one parameter per element, which hits PostgreSQL's 65,535
// bind-parameter limit), chunking, and raw-row access that works on postgres.js and PGlite.
import { type SQL, sql } from 'drizzle-orm';
import type { DbOrTx } from './client.js';

/** Element types the helpers bind; anything else is sent as text and cast in SQL. */
export type PgElement = 'text' | 'int4' | 'float8' | 'bool';

/**
 * `$1::text[]` with the whole array as one parameter. Timestamps and JSON go as text and are
 * cast where they are used: both drivers serialise text[] the same way.
 */
export function pgArray(values: readonly (string | number | boolean | null)[], type: PgElement): SQL {
  return sql`${sql.param(values)}::${sql.raw(type)}[]`;
}

/** Rows per statement for set-based writes: thousands, far below any parameter limit (one per column). */
export const CHUNK_ROWS = 5000;

export function* chunks<T>(items: readonly T[], size = CHUNK_ROWS): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Runs a raw statement and returns its rows (postgres.js answers an array, PGlite `{ rows }`). */
export async function rows<T>(db: DbOrTx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as T[] | { rows: T[] };
  return Array.isArray(result) ? result : result.rows;
}

/** Milliseconds since the epoch of a timestamptz column, as a number on both drivers. */
export const epochMs = (column: SQL): SQL => sql`(extract(epoch from ${column}) * 1000)::float8`;
