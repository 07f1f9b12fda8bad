import { PGlite } from '@electric-sql/pglite';
import { openDatabase } from '/work/main/src/db/client.js';
import { migrate } from '/work/main/src/db/migrate.js';

let t = performance.now();
const d = await openDatabase({ memory: true });
await migrate(d);
console.log('create+migrate', performance.now() - t);
t = performance.now();
const d2 = await openDatabase({ memory: true });
await migrate(d2);
console.log('create+migrate 2', performance.now() - t);
// @ts-expect-error
t = performance.now();
const pg = new PGlite();
await pg.waitReady;
console.log('bare', performance.now() - t);
t = performance.now();
const dump = await (d as any).db.$client.dumpDataDir('none');
console.log('dump', performance.now() - t, dump.size);
t = performance.now();
const c = new PGlite({ loadDataDir: dump });
await c.waitReady;
console.log('load', performance.now() - t, (await c.query('select count(*) from accounts')).rows);
