// Starts the sandbox in-process for tests: a fresh test database, the console on a free port, the
// simulated accounts in memory, no cron jobs (tests scan and click themselves).
import { loadConfig } from '../../src/config.js';
import { silentLogger } from '../../src/lib/logger.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/start.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

export interface TestSandbox extends Sandbox {
  db: TestDatabase;
  close(): Promise<void>;
}

export async function startTestSandbox(env: Record<string, string> = {}): Promise<TestSandbox> {
  const db = await createTestDatabase();
  const config = loadConfig(
    { LOG_LEVEL: 'silent', CONSOLE_PORT: '0', DRY_RUN: 'false', AWS_REGION: 'us-east-1', ...env },
    { slack: false },
  );
  const sandbox = await startSandbox({
    config,
    database: db,
    log: silentLogger,
    realAws: false,
    schedule: false,
  });
  return {
    ...sandbox,
    db,
    async close() {
      await sandbox.stop();
      await db.destroy();
    },
  };
}
