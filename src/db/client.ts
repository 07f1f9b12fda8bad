// Database connection: PostgreSQL (postgres.js) when a URL is given, else embedded PGlite in
// a directory (or in memory for tests). Both speak to the same drizzle schema.
import { mkdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** A transaction handed to `db.transaction(fn)`. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
/** What a query in db/queries takes first: the database, or a transaction on it. */
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Runs fn while holding a cluster-wide advisory lock; `acquired: false` when another holder has it. */
  withAdvisoryLock<T>(key: string, fn: () => Promise<T>): Promise<LockResult<T>>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export type LockResult<T> = { acquired: true; value: T } | { acquired: false };

export type DatabaseTarget = { url: string } | { dataDir: string } | { memory: true };

export interface DatabaseOptions {
  /** Called once per statement sent (PostgreSQL): the benchmark counts round trips with it. */
  onQuery?: () => void;
  /**
   * PGlite: keep its WebAssembly on V8's baseline compiler (lean idle memory, slower SQL; see
   * keepWasmOnBaselineCompiler). On by default, as the product runs; the test suite turns it off
   * for speed. V8's flags are process-wide: once on, on for every PGlite of the process.
   */
  baselineWasm?: boolean;
}

export async function openDatabase(target: DatabaseTarget, opts: DatabaseOptions = {}): Promise<Database> {
  if ('url' in target) return openPostgres(target.url, opts);
  return openPglite('dataDir' in target ? target.dataDir : undefined, opts.baselineWasm ?? true);
}

function openPostgres(url: string, opts: DatabaseOptions): Database {
  const onQuery = opts.onQuery;
  const client = postgres(url, {
    max: 10,
    onnotice: () => {},
    ...(onQuery ? { debug: () => onQuery() } : {}),
  });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    async withAdvisoryLock(key, fn) {
      // A reserved connection holds the session-level lock for the whole run.
      const conn = await client.reserve();
      try {
        const [row] = await conn`select pg_try_advisory_lock(hashtext(${key})) as locked`;
        if (!row?.locked) return { acquired: false };
        try {
          return { acquired: true, value: await fn() };
        } finally {
          await conn`select pg_advisory_unlock(hashtext(${key}))`;
        }
      } finally {
        conn.release();
      }
    },
    async ping() {
      try {
        await client`select 1`;
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.end({ timeout: 5 }),
  };
}

/**
 * PGlite runs inside this process's WebAssembly memory, which never shrinks, and PGlite writes its
 * whole shared buffer pool at start: PostgreSQL's default 128 MB would be resident from the first
 * second. 16 MB keeps the process near the idle target (issue 9); the data files stay in the OS
 * page cache anyway.
 */
const PGLITE_SETTINGS = ['-c', 'shared_buffers=16MB'];

/**
 * V8 compiles PGlite's WebAssembly with its baseline compiler (Liftoff) and by default recompiles
 * hot functions with its optimizing one (TurboFan) on background threads. A few of PostgreSQL's
 * functions are 40-100 KB of WebAssembly; recompiling each takes 20-37 MB of scratch memory that
 * the C allocator keeps once freed: ~60 MiB more idle RSS (median 250 MiB against 191 MiB), and
 * more after a large scan. The price: SQL-heavy work is 10-25 % slower (100k upserts, a re-scan).
 * Both flags are needed: without dynamic tiering V8 would optimize every function once compiled.
 * V8 reads them when it compiles a module, so they are set before PGlite compiles its own; they
 * apply to WebAssembly only, and Liftoff still hands a function it cannot compile to TurboFan.
 */
function keepWasmOnBaselineCompiler(): void {
  setFlagsFromString('--no-wasm-tier-up');
  setFlagsFromString('--no-wasm-dynamic-tiering');
}

async function openPglite(dataDir: string | undefined, baselineWasm: boolean): Promise<Database> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  if (baselineWasm) keepWasmOnBaselineCompiler();
  const client = new PGlite(dataDir, { startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS] });
  await client.waitReady;
  return wrapPglite(client);
}

/** A Database over an open PGlite instance (also used by tests that load a migrated dump). */
export function wrapPglite(client: PGlite): Database {
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  // PGlite lives in this one process: an in-process set of held keys is the whole lock story.
  const held = new Set<string>();
  return {
    db,
    kind: 'pglite',
    async withAdvisoryLock(key, fn) {
      if (held.has(key)) return { acquired: false };
      held.add(key);
      try {
        return { acquired: true, value: await fn() };
      } finally {
        held.delete(key);
      }
    },
    async ping() {
      try {
        await client.query('select 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => client.close(),
  };
}
