// Applies the drizzle-kit migrations in ../../migrations (same path from src/ and dist/).
import { fileURLToPath } from 'node:url';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { Database } from './client.js';

export const migrationsFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

export async function migrate(database: Database): Promise<void> {
  const run = database.kind === 'postgres' ? migratePostgres : migratePglite;
  // Serialise concurrent replicas starting at once.
  for (;;) {
    const ran = await database.withAdvisoryLock('spotops:migrate', () =>
      run(database.db as never, { migrationsFolder }),
    );
    if (ran.acquired) return;
    // Another replica is migrating; once it is done our run finds nothing left to apply.
    await new Promise((r) => setTimeout(r, 500));
  }
}
