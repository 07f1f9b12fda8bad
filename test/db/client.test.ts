// Embedded PGlite's memory settings (issue 9: idle RSS).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// Opens PGlite as the app does, migrates, runs queries hot enough for V8 to optimize PostgreSQL's
// largest functions by default, and leaves time for a background compile to finish.
const script = `
import { openDatabase } from './src/db/client.ts';
import { migrate } from './src/db/migrate.ts';
import { sql } from 'drizzle-orm';
const database = await openDatabase({ memory: true });
await migrate(database);
for (let i = 0; i < 50; i++)
  await database.db.execute(sql\`select c.relname, count(*) from pg_class c join pg_attribute a on a.attrelid = c.oid group by 1 order by 2 desc\`);
await new Promise((r) => setTimeout(r, 1000));
await database.close();
`;

describe('PGlite client', () => {
  it('keeps PGlite on the baseline WebAssembly compiler (an optimizing recompile keeps ~60 MB resident)', () => {
    const run = spawnSync(
      process.execPath,
      ['--trace-wasm-compilation-times', '--import', 'tsx', '--input-type=module', '-e', script],
      { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    expect(run.status, run.stderr).toBe(0);
    // "Compiled function <module>#<index> using <compiler>": PGlite's module is the one with the most
    // functions (Node's and tsx's own small modules compile before the flags are set).
    const byModule = new Map<string, { liftoff: number; turbofan: number }>();
    for (const [, module, compiler] of run.stdout.matchAll(/function (\w+)#\d+ using (Liftoff|TurboFan)/g)) {
      const counts = byModule.get(module!) ?? { liftoff: 0, turbofan: 0 };
      counts[compiler === 'Liftoff' ? 'liftoff' : 'turbofan']++;
      byModule.set(module!, counts);
    }
    const pglite = [...byModule.values()].sort((a, b) => b.liftoff - a.liftoff)[0];
    expect(pglite?.liftoff).toBeGreaterThan(1000);
    expect(pglite?.turbofan).toBe(0);
  });
});
