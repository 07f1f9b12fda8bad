// Composition root: config -> database -> clients -> Slack app -> jobs -> start. Nothing else.
import type { Server } from 'node:http';
import { ConfigError, loadConfig } from './config.js';
import { recoverInterrupted } from './engine/executions.js';
import { ExecutionWorker } from './engine/worker.js';
import { startEventConsumer } from './events/start.js';
import { jobs } from './jobs/index.js';
import { startJobs } from './jobs/scheduler.js';
import { createLogger } from './lib/logger.js';
import { installProcessGuard } from './lib/process-guard.js';
import { ensureCommittedModel } from './risk/models.js';
import { createDeps, createRelay, openConfiguredDatabase } from './runtime.js';
import { createSlackApp } from './slack/app.js';
import { startHealthServer } from './slack/health.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = createLogger(config.LOG_LEVEL);
  installProcessGuard(log);
  const database = await openConfiguredDatabase(config);
  const deps = createDeps(config, database, log);
  const worker = new ExecutionWorker(deps);
  const relay = createRelay(deps);
  const kick = () => void worker.kick();
  const app = createSlackApp(deps, { kick });

  let health: Server | undefined;
  if (config.SLACK_MODE === 'http') {
    await app.start(config.PORT);
  } else {
    await app.start();
    if (config.HEALTH_PORT > 0) health = await startHealthServer(deps, config.HEALTH_PORT);
  }
  await ensureCommittedModel(deps.db);
  await recoverInterrupted(deps);
  const events = startEventConsumer(deps);
  worker.start();
  relay.start();
  const scheduled = startJobs(deps, jobs(config, { kick }));
  log.info(
    { mode: config.SLACK_MODE, database: database.kind, dryRun: config.DRY_RUN },
    config.DRY_RUN ? 'spotops started (DRY_RUN: nothing in AWS changes)' : 'spotops started (live)',
  );

  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    health?.close();
    await scheduled.stop();
    await events?.stop();
    await app.stop().catch(() => undefined);
    await worker.stop();
    await relay.stop();
    await database.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`spotops failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
