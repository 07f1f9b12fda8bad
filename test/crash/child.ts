// The worker process the crash tests kill: the real composition (config -> PostgreSQL -> deps ->
// ExecutionWorker) with AWS reached through AWS_ENDPOINT_URL (the counting proxy in front of
// moto) and a lease short enough for a test. The test bundles it with esbuild and starts it with node.

import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { ExecutionWorker } from '../../src/engine/worker.js';
import { createLogger } from '../../src/lib/logger.js';
import { createDeps } from '../../src/runtime.js';
import { OfflineNotifier } from '../../src/slack/notifier.js';

const env = process.env;
const config = loadConfig({
  SLACK_MODE: 'http',
  SLACK_BOT_TOKEN: 'xoxb-crash-test',
  SLACK_SIGNING_SECRET: 'crash-test-secret',
  SLACK_API_URL: 'http://127.0.0.1:9/api/',
  AWS_REGION: 'us-east-1',
  LOG_LEVEL: env.CHILD_LOG_LEVEL ?? 'silent',
  DRY_RUN: 'false',
  DATABASE_URL: env.DATABASE_URL ?? '',
});
const log = createLogger(config.LOG_LEVEL);
const database = await openDatabase({ url: env.DATABASE_URL ?? '' });
// No Slack here: the thread story is read from the audit rows.
const deps = createDeps(config, database, log, { notifier: new OfflineNotifier(log) });
const worker = new ExecutionWorker(deps, {
  leaseMs: Number(env.LEASE_MS ?? 3000),
  heartbeatMs: Number(env.HEARTBEAT_MS ?? 1000),
});
worker.start(Number(env.POLL_MS ?? 250));
process.stdout.write('ready\n');
