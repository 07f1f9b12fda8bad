// Test databases: a fresh in-memory PGlite per call by default; with TEST_DATABASE_URL and
// SPOTOPS_TEST_DB=postgres (the "postgres" vitest project), a fresh PostgreSQL database instead.
// Migrations run once per test file (PGlite: a migrated data directory is dumped and loaded
// into each new instance) or once per migration set (PostgreSQL: a template database), since
// migrating every test's database dominated the suite's time.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { type Database, openDatabase, wrapPglite } from '../../src/db/client.js';
import { migrate, migrationsFolder } from '../../src/db/migrate.js';

export const testDbKind: 'postgres' | 'pglite' =
  process.env.SPOTOPS_TEST_DB === 'postgres' && process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';

export interface TestDatabase extends Database {
  /** PostgreSQL only: the URL of this test's own database. */
  url?: string;
  /** Closes and, on PostgreSQL, drops the database. */
  destroy(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  if (testDbKind === 'pglite') {
    const client = new PGlite({ loadDataDir: await pgliteTemplate() });
    await client.waitReady;
    const database = wrapPglite(client);
    return { ...database, destroy: () => database.close() };
  }
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const template = await postgresTemplate(adminUrl);
  const name = `spotops_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${template}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ url: url.toString() });
  return {
    ...database,
    url: url.toString(),
    async destroy() {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

let pgliteDump: Promise<Blob> | undefined;

/** A migrated, empty PGlite data directory, made once per test file. */
function pgliteTemplate(): Promise<Blob> {
  pgliteDump ??= (async () => {
    // Tests favour speed over the product's lean idle memory (src/db/client.ts).
    const database = await openDatabase({ memory: true }, { baselineWasm: false });
    await migrate(database);
    const dump = await (database.db as unknown as { $client: PGlite }).$client.dumpDataDir('none');
    await database.close();
    return dump;
  })();
  return pgliteDump;
}

/** Content hash of the migrations: a changed migration makes a new template. */
function migrationsHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(entry.name).update(readFileSync(path));
    }
  };
  walk(migrationsFolder);
  return hash.digest('hex').slice(0, 12);
}

let postgresTemplateName: Promise<string> | undefined;

/**
 * A migrated template database named after the migrations' hash. Parallel test workers may
 * race to create it: the loser of `create database` waits for the winner's `ready` marker.
 */
function postgresTemplate(adminUrl: string): Promise<string> {
  postgresTemplateName ??= (async () => {
    const name = `spotops_tmpl_${migrationsHash()}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      const [lock] = await admin`select pg_try_advisory_lock(hashtext(${name})) as locked`;
      if (lock?.locked) {
        const exists = await admin`select 1 from pg_database where datname = ${name}`;
        if (exists.length === 0) {
          await admin.unsafe(`drop database if exists ${name}_building with (force)`);
          await admin.unsafe(`create database ${name}_building`);
          const building = new URL(adminUrl);
          building.pathname = `/${name}_building`;
          const database = await openDatabase({ url: building.toString() });
          await migrate(database);
          await database.close();
          // The rename publishes the template only once it is complete.
          await admin.unsafe(`alter database ${name}_building rename to ${name}`);
        }
        await admin`select pg_advisory_unlock(hashtext(${name}))`;
      } else {
        // Another worker is building it: wait until the lock is released.
        await admin`select pg_advisory_lock(hashtext(${name}))`;
        await admin`select pg_advisory_unlock(hashtext(${name}))`;
      }
      return name;
    } finally {
      await admin.end();
    }
  })();
  return postgresTemplateName;
}
