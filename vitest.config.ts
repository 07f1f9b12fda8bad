import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// Every test runs on PGlite; when TEST_DATABASE_URL is set (CI does it when PostgreSQL answers),
// a second project runs again every test that opens a database, against PostgreSQL. Tests that
// never open one (Block Kit builders, mocked-AWS executors, the model) would only repeat
// themselves, and the browser tests drive the sandbox, which is PGlite's role.
const DB_MARKERS = /createTestDatabase|startTestApp|TEST_DATABASE_URL|SPOTOPS_TEST_DB/;

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return path.endsWith('.test.ts') ? [path] : [];
  });
}

/** Test files the PostgreSQL project leaves out (a project's `include` adds to the root's). */
const databaseFreeTests = () =>
  testFiles('test').filter(
    (file) => file.endsWith('.browser.test.ts') || !DB_MARKERS.test(readFileSync(file, 'utf8')),
  );

const postgresProject = process.env.TEST_DATABASE_URL
  ? [
      {
        extends: true as const,
        test: { name: 'postgres', exclude: databaseFreeTests(), env: { SPOTOPS_TEST_DB: 'postgres' } },
      },
    ]
  : [];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The SDK's notice that releases after January 2027 need Node 22 is known (the image runs 22).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    // Vitest's default is one worker per core less one: a single worker on a 2-core machine,
    // while most tests wait on I/O (databases, fake servers, child processes). Timeouts are
    // generous so a busy machine slows tests down without failing them.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    benchmark: { include: ['test/bench/**/*.bench.ts'] },
    projects: [{ extends: true, test: { name: 'pglite' } }, ...postgresProject],
  },
});
