// Sandbox mode's composition: the local console (the Slack surface: fake Web API + Bolt receiver
// + the page), the simulated AWS accounts behind the usual client seam, and the unchanged Bolt
// app, worker and jobs between them. Used by main.ts (and the browser tests, in-process).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { STSClient } from '@aws-sdk/client-sts';
import type { App } from '@slack/bolt';
import { listAccounts } from '../accounts/store.js';
import type { Config } from '../config.js';
import { ConsoleReceiver } from '../console/receiver.js';
import { type ConsoleServer, startConsoleServer } from '../console/server.js';
import { FakeWebApi } from '../console/web-api.js';
import { APPROVERS, CHANNEL, Workspace } from '../console/workspace.js';
import type { Database } from '../db/client.js';
import type { Deps } from '../deps.js';
import { ExecutionWorker } from '../engine/worker.js';
import { jobs } from '../jobs/index.js';
import { scanAndPost } from '../jobs/scan-and-post.js';
import { startJobs } from '../jobs/scheduler.js';
import type { Logger } from '../lib/logger.js';
import { serveMetrics } from '../metrics/exposition.js';
import { ensureCommittedModel } from '../risk/models.js';
import { createDeps, createRelay } from '../runtime.js';
import { scanners } from '../scanners/index.js';
import { createSlackApp } from '../slack/app.js';
import { SPOT_SUBCOMMANDS } from '../slack/blocks/help.js';
import { galleryEntries } from '../slack/gallery/all-messages.js';
import type { OutboxRelay } from '../slack/relay.js';
import { ensureSandboxAccounts, openSandboxAws, type SandboxAws } from './index.js';
import { triggerInterruption } from './interruption.js';
import { SANDBOX_ACCOUNTS } from './seed.js';

export interface Sandbox {
  url: string;
  deps: Deps;
  app: App;
  aws: SandboxAws;
  workspace: Workspace;
  api: FakeWebApi;
  worker: ExecutionWorker;
  relay: OutboxRelay;
  console: ConsoleServer;
  stop(): Promise<void>;
}

export interface SandboxOptions {
  config: Config;
  database: Database;
  log: Logger;
  /** Real AWS credentials present: the operator's STS and Pricing are real, real accounts can be connected. */
  realAws: boolean;
  /** Cron jobs (off in tests, which trigger scans themselves). */
  schedule?: boolean;
  /** Where the simulated accounts and the console's messages are saved; in memory without one. */
  dataDir?: string;
}

const ALL_SCANNERS = Object.keys(scanners);

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const { database, log } = opts;
  const dataDir = opts.dataDir;
  const aws = openSandboxAws({ dataDir });
  const workspace = new Workspace(dataDir ? join(dataDir, 'console-slack.json') : undefined);
  const botToken = `xoxb-sandbox-${Math.random().toString(36).slice(2, 12)}`;
  let baseUrl = '';
  const api = new FakeWebApi(workspace, { token: botToken, baseUrl: () => baseUrl });
  const receiver = new ConsoleReceiver();
  const surface = {
    workspace,
    api,
    receiver,
    commands: SPOT_SUBCOMMANDS,
    banner: opts.config.DRY_RUN
      ? 'Sandbox · DRY_RUN on: approvals run AWS DryRun checks only'
      : 'Sandbox · simulated AWS accounts: approvals change them (DRY_RUN off)',
  } satisfies Parameters<typeof startConsoleServer>[0]['surface'];
  const server = await startConsoleServer({
    host: opts.config.CONSOLE_HOST,
    port: opts.config.CONSOLE_PORT ?? 3000,
    token: opts.config.CONSOLE_TOKEN,
    log,
    gallery: galleryEntries,
    surface,
  });
  baseUrl = server.url.replace('localhost', '127.0.0.1');

  // The bot talks to the console exactly as it talks to Slack: a bot token and an API base URL.
  const config: Config = { ...opts.config, SLACK_BOT_TOKEN: botToken, SLACK_API_URL: `${baseUrl}/api/` };
  const region = config.AWS_REGION;
  const deps = createDeps(config, database, log, {
    operatorSts: opts.realAws ? new STSClient({ region }) : aws.operatorSts(region),
    simulatedAccess: aws.accessFor,
    ...(opts.realAws ? {} : { pricing: aws.pricing }),
  });
  await ensureSandboxAccounts(deps.db, aws, CHANNEL.id, APPROVERS);

  const worker = new ExecutionWorker(deps);
  // Cards and thread replies reach the console as they reach Slack: through the outbox relay.
  const relay = createRelay(deps);
  const kick = () => void worker.kick();
  const app = createSlackApp(deps, { kick, receiver });
  await app.start();
  await ensureCommittedModel(deps.db);
  worker.start();
  relay.start();
  const scheduled = opts.schedule === false ? undefined : startJobs(deps, jobs(config, { kick }));

  Object.assign(surface, {
    metrics: {
      token: config.METRICS_TOKEN,
      serve: (req: IncomingMessage, res: ServerResponse) =>
        serveMetrics({ db: deps.db, clock: deps.clock, log, token: config.METRICS_TOKEN }, req, res),
    },
    aws: {
      state: () => awsPanel(aws, deps),
      /** A warning for one Spot instance, or for every running Spot instance of a pool (AZ ID + type). */
      async interrupt(input: {
        account: string;
        instanceId?: string;
        pool?: { azId: string; instanceType: string };
      }) {
        const account = SANDBOX_ACCOUNTS.find((a) => a.name === input.account);
        if (!account) throw new Error(`${input.account} is not a sandbox account`);
        const targets = input.pool
          ? aws.sim
              .instancesOf(account.awsAccountId)
              .filter(
                ({ instance: i }) =>
                  i.InstanceLifecycle === 'spot' &&
                  i.State?.Name === 'running' &&
                  i.Placement?.AvailabilityZoneId === input.pool?.azId &&
                  i.InstanceType === input.pool?.instanceType,
              )
              .map(({ region, instance }) => ({ region, instanceId: instance.InstanceId! }))
          : [{ region: config.AWS_REGION, instanceId: input.instanceId ?? '' }];
        if (targets.length === 0) throw new Error('no running Spot instance in that pool');
        const outcomes = [];
        for (const t of targets) {
          const outcome = await triggerInterruption(deps, { awsAccountId: account.awsAccountId, ...t });
          outcomes.push(outcome.kind);
        }
        return outcomes.join(', ');
      },
      scan: () => scanAndPost(deps, ALL_SCANNERS),
    },
  });
  aws.sim.onEvent(() => workspace.changed({ kind: 'aws' }));

  // First start: scan at once, so the channel shows what the sandbox accounts hold.
  if (workspace.messages.length === 0) {
    const result = await scanAndPost(deps, ALL_SCANNERS);
    log.info({ result }, 'sandbox: first scan posted its cards');
  }

  return {
    url: server.url,
    deps,
    app,
    aws,
    workspace,
    api,
    worker,
    relay,
    console: server,
    async stop() {
      await scheduled?.stop();
      await app.stop().catch(() => undefined);
      await worker.stop();
      await relay.stop();
      await server.close();
    },
  };
}

/** What the console's AWS panel shows: each sandbox account's instances and what changed lately. */
async function awsPanel(aws: SandboxAws, deps: Deps) {
  const rows = await listAccounts(deps.db);
  return {
    accounts: SANDBOX_ACCOUNTS.map((a) => {
      const row = rows.find((r) => r.name === a.name);
      const instances = aws.sim.instancesOf(a.awsAccountId).map(({ region, instance: i }) => ({
        region,
        id: i.InstanceId,
        name: i.Tags?.find((t) => t.Key === 'Name')?.Value ?? '',
        type: i.InstanceType,
        az: i.Placement?.AvailabilityZone,
        azId: i.Placement?.AvailabilityZoneId,
        lifecycle: i.InstanceLifecycle ?? 'on-demand',
        state: i.State?.Name,
      }));
      const regions = Object.values(aws.sim.account(a.awsAccountId).regions);
      return {
        name: a.name,
        awsAccountId: a.awsAccountId,
        environment: a.environment,
        connected: Boolean(row),
        instances,
        elasticIps: regions
          .flatMap((r) => r.addresses)
          .map((x) => ({ ip: x.PublicIp, instance: x.InstanceId ?? null })),
        volumes: regions.flatMap((r) => r.volumes).filter((v) => v.State === 'available').length,
        snapshots: regions.flatMap((r) => r.snapshots).length,
      };
    }),
    events: aws.sim.events.slice(-30).reverse(),
  };
}
