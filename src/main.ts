// Composition root: mode -> config -> database -> clients -> Slack app (or the local console) ->
// jobs -> start. Nothing else. The mode: the sandbox (local console + simulated AWS accounts) when
// no Slack variable is set or SPOTOPS_MODE=sandbox; Slack otherwise (SPOTOPS_MODE=slack forces it).
import type { Server } from 'node:http';
import {
  type Config,
  ConfigError,
  chooseMode,
  hasAwsCredentials,
  loadConfig,
  type RunMode,
} from './config.js';
import { type ConsoleServer, startConsoleServer } from './console/server.js';
import { ExecutionWorker } from './engine/worker.js';
import { startEventConsumer } from './events/start.js';
import { jobs } from './jobs/index.js';
import { startJobs } from './jobs/scheduler.js';
import { createLogger, type Logger } from './lib/logger.js';
import { installProcessGuard } from './lib/process-guard.js';
import { ensureCommittedModel } from './risk/models.js';
import { createDeps, createRelay, openConfiguredDatabase } from './runtime.js';
import { createSlackApp } from './slack/app.js';
import { galleryEntries } from './slack/gallery/all-messages.js';
import { startHealthServer } from './slack/health.js';

const startedAt = performance.now();
const seconds = () => Number(((performance.now() - startedAt) / 1000).toFixed(1));

function configFor(mode: RunMode): Config {
  try {
    const config = loadConfig(process.env, { slack: mode === 'slack' });
    // The sandbox changes only simulated accounts, so it runs live unless real AWS credentials are
    // present (a real account could then be connected) or DRY_RUN says otherwise.
    if (mode === 'sandbox' && !process.env.DRY_RUN) config.DRY_RUN = hasAwsCredentials();
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/** `.env` in the working directory, if there is one; variables already set win. */
function loadDotEnv(): void {
  try {
    process.loadEnvFile('.env');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * The AWS SDK prints a ten-line warning on Node < 22 when it loads; this says it once, in one
 * line of the log, at start (before the SDK loads on first use).
 */
function noteNodeVersion(log: Logger): void {
  if (Number(process.versions.node.split('.')[0]) >= 22) return;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  log.warn(
    { node: process.versions.node },
    `Node ${process.versions.node}: AWS SDK releases after January 2027 need Node 22 or newer; spotops runs on this one, upgrade when you can`,
  );
}

async function main(): Promise<void> {
  loadDotEnv();
  const { mode, why } = chooseMode();
  const config = configFor(mode);
  const log = createLogger(config.LOG_LEVEL);
  log.info({ mode, why }, `spotops mode: ${mode} (${why})`);
  noteNodeVersion(log);
  installProcessGuard(log);
  const database = await openConfiguredDatabase(config);
  log.info({ database: database.kind, seconds: seconds() }, `database ready after ${seconds()} s`);

  if (mode === 'sandbox') {
    const realAws = hasAwsCredentials();
    // Loaded only in this mode: its simulated accounts build every AWS client at import.
    const { startSandbox } = await import('./sandbox/start.js');
    const sandbox = await startSandbox({ config, database, log, realAws, dataDir: config.DATA_DIR });
    log.info(
      {
        url: sandbox.url,
        database: database.kind,
        dryRun: config.DRY_RUN,
        realAws,
        readyInSeconds: seconds(),
      },
      `spotops sandbox ready in ${seconds()} s: open ${sandbox.url}`,
    );
    process.stdout.write(`\n  spotops sandbox: open ${sandbox.url}  (ready in ${seconds()} s)\n\n`);
    onSignals(log, async () => {
      await sandbox.stop();
      await database.close();
    });
    return;
  }

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
  // Beside Slack the console is a Block Kit preview of every card, only when asked for.
  let gallery: ConsoleServer | undefined;
  if (config.CONSOLE_PORT !== undefined) {
    gallery = await startConsoleServer({
      host: config.CONSOLE_HOST,
      port: config.CONSOLE_PORT,
      token: config.CONSOLE_TOKEN,
      log,
      gallery: galleryEntries,
    });
    log.info({ url: gallery.url }, `Block Kit gallery at ${gallery.url}`);
  }
  await ensureCommittedModel(deps.db);
  const events = startEventConsumer(deps);
  worker.start();
  relay.start();
  const scheduled = startJobs(deps, jobs(config, { kick }));
  log.info(
    { mode: config.SLACK_MODE, database: database.kind, dryRun: config.DRY_RUN, readyInSeconds: seconds() },
    config.DRY_RUN ? 'spotops started (DRY_RUN: nothing in AWS changes)' : 'spotops started (live)',
  );

  onSignals(log, async () => {
    health?.close();
    await gallery?.close();
    await scheduled.stop();
    await events?.stop();
    await app.stop().catch(() => undefined);
    await worker.stop();
    await relay.stop();
    await database.close();
  });
}

function onSignals(log: Logger, stop: () => Promise<void>): void {
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  process.stderr.write(`spotops failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
