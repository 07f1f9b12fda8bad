import { defineConfig } from 'vitest/config';

// Every test runs on PGlite; when TEST_DATABASE_URL is set (CI does it when PostgreSQL answers),
// a second project runs the same tests against PostgreSQL.
const postgresProject = process.env.TEST_DATABASE_URL
  ? [{ extends: true as const, test: { name: 'postgres', env: { SPOTOPS_TEST_DB: 'postgres' } } }]
  : [];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The SDK's notice that releases after January 2027 need Node 22 is known (the image runs 22).
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    testTimeout: 20_000,
    hookTimeout: 30_000,
    benchmark: { include: ['test/bench/**/*.bench.ts'] },
    projects: [{ extends: true, test: { name: 'pglite' } }, ...postgresProject],
  },
});
