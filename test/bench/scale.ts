// Scale benchmark (issue 9), run by `npm run bench` (tsx test/bench/scale.ts). Prints, with the
// targets beside the figures:
//  1. a 10,000 instances / 10,000 volumes / 10,000 snapshots / 1,000 EIPs account behind a fake
//     EC2 that pages by MaxResults and throttles now and then (ThrottlingException /
//     RequestLimitExceeded, retried by the SDK): AWS calls per API against the paginated minimum,
//     scan wall/CPU time, DB statements and commits, Slack calls made by the publish path, peak RSS;
//  2. 100,000 findings upserted and a 1 % re-scan (rows written), on PostgreSQL and PGlite;
//  3. ack p50/p99 of 50 concurrent `/spot waste` requests and of 50 concurrent Ignore clicks
//     (decisions) (signed HTTP from a separate process, real Bolt app in HTTP mode, 100k open
//     findings) beside a bare Bolt app in the same run;
//  4. idle RSS and start-to-listening time, built (dist/main.js, what `npm start` runs) and from the sources (tsx, as `npm run dev`),
//     best and median of BENCH_STARTS (3) starts.
// PostgreSQL comes from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres);
// sections needing it are skipped with a reason when it does not answer.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SavingsplansClient } from '@aws-sdk/client-savingsplans';
import { STSClient } from '@aws-sdk/client-sts';
import { App, LogLevel } from '@slack/bolt';
import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import type { AccountAccess } from '../../src/aws/clients.js';
import { loadConfig } from '../../src/config.js';
import { type Database, openDatabase } from '../../src/db/client.js';
import { migrate } from '../../src/db/migrate.js';
import { type Account, accounts } from '../../src/db/schema.js';
import { pgArray, rows } from '../../src/db/sets.js';
import { publishScanResults } from '../../src/engine/publish.js';
import { DAY, ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { createDeps, createRelay } from '../../src/runtime.js';
import { findingStore, runScan } from '../../src/scanners/run.js';
import type { Finding } from '../../src/scanners/types.js';
import { createSlackApp } from '../../src/slack/app.js';
import { ACTIONS } from '../../src/slack/ids.js';
import type { MessageRef, Notifier } from '../../src/slack/notifier.js';
import { buttonClick } from '../helpers/app.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import { interactionBody, SIGNING_SECRET, slashCommandBody } from '../helpers/signing.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NOW = new Date('2026-12-01T12:00:00Z');
const SIZES = { instances: 10_000, volumes: 10_000, snapshots: 10_000, eips: 1_000 };
const PUBLISH_BUDGET_MS = Number(process.env.BENCH_PUBLISH_BUDGET_MS ?? 60_000);

const out = (line: string) => process.stdout.write(`${line}\n`);
const ms = (n: number) => `${Math.round(n).toLocaleString('en-US')} ms`;
const mib = (bytes: number) => `${Math.round(bytes / 1048576)} MiB`;
const n = (x: number) => x.toLocaleString('en-US');

// ---------------------------------------------------------------- databases

interface BenchDb {
  database: Database;
  statements: () => number;
  commits: () => Promise<number | undefined>;
  destroy(): Promise<void>;
}

async function postgresAnswers(): Promise<boolean> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    await admin`select 1`;
    return true;
  } catch {
    return false;
  } finally {
    await admin.end({ timeout: 1 });
  }
}

async function freshDb(kind: 'postgres' | 'pglite'): Promise<BenchDb> {
  if (kind === 'pglite') {
    const database = await openDatabase({ memory: true });
    await migrate(database);
    return {
      database,
      statements: () => Number.NaN,
      commits: async () => undefined,
      destroy: () => database.close(),
    };
  }
  const name = `spotops_bench_${Date.now().toString(36)}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  let statements = 0;
  const database = await openDatabase({ url: url.toString() }, { onQuery: () => statements++ });
  await migrate(database);
  return {
    database,
    statements: () => statements,
    async commits() {
      await admin`select pg_stat_force_next_flush()`.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 1200));
      const [row] = await admin`select xact_commit::int as c from pg_stat_database where datname = ${name}`;
      return row?.c as number | undefined;
    },
    async destroy() {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

async function insertAccount(db: Database['db'], name = 'bench'): Promise<Account> {
  const [row] = await db
    .insert(accounts)
    .values({
      name,
      awsAccountId: '123456789012',
      roleArn: 'arn:aws:iam::123456789012:role/spotops-read',
      externalId: 'ext-bench-0123456789',
      regions: ['us-east-1'],
      slackChannel: 'C0BENCH',
      status: 'verified',
      createdBy: 'U0BENCH',
    })
    .returning();
  return row!;
}

// ---------------------------------------------------------------- fake EC2

type Paged = { key: string; items: unknown[]; pageSize?: number };

/**
 * A fake EC2 behind the real SDK client: a deserialize-step middleware answers every command from
 * generated data, pages by MaxResults/NextToken, and throws a throttling error on every 9th call
 * (the SDK's retry strategy retries it, as it would AWS's).
 */
function fakeEc2() {
  const pad = (i: number) => i.toString(16).padStart(17, '0');
  const old = new Date(NOW.getTime() - 400 * DAY);
  const data: Record<string, Paged> = {
    DescribeInstances: {
      key: 'Reservations',
      items: Array.from({ length: SIZES.instances }, (_, i) => ({
        ReservationId: `r-${pad(i)}`,
        Instances: [
          {
            InstanceId: `i-${pad(i)}`,
            InstanceType: 'm5.large',
            State: { Name: 'running' },
            LaunchTime: old,
            Placement: { AvailabilityZone: 'us-east-1a', AvailabilityZoneId: 'use1-az1' },
            Tags: [{ Key: 'Name', Value: `worker-${i}` }],
          },
        ],
      })),
    },
    DescribeVolumes: {
      key: 'Volumes',
      items: Array.from({ length: SIZES.volumes }, (_, i) => ({
        VolumeId: `vol-${pad(i)}`,
        State: 'available',
        Size: 100,
        VolumeType: 'gp3',
        Iops: 3000,
        Throughput: 125,
        AvailabilityZone: 'us-east-1a',
        CreateTime: old,
        Attachments: [],
      })),
    },
    DescribeSnapshots: {
      key: 'Snapshots',
      items: Array.from({ length: SIZES.snapshots }, (_, i) => ({
        SnapshotId: `snap-${pad(i)}`,
        State: 'completed',
        StartTime: old,
        VolumeSize: 50,
        StorageTier: 'standard',
      })),
    },
    DescribeAddresses: {
      key: 'Addresses',
      items: Array.from({ length: SIZES.eips }, (_, i) => ({
        AllocationId: `eipalloc-${pad(i)}`,
        PublicIp: `3.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
        Domain: 'vpc',
      })),
    },
    DescribeImages: { key: 'Images', items: [] },
    DescribeLaunchTemplates: { key: 'LaunchTemplates', items: [] },
  };
  const calls = new Map<string, { ok: number; throttled: number }>();
  let seq = 0;
  const client = new EC2Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIABENCH', secretAccessKey: 'bench' },
    maxAttempts: 5,
  });
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const command = String(context.commandName).replace(/Command$/, '');
      const c = calls.get(command) ?? { ok: 0, throttled: 0 };
      calls.set(command, c);
      if (++seq % 9 === 0) {
        c.throttled++;
        const name = seq % 2 ? 'ThrottlingException' : 'RequestLimitExceeded';
        throw Object.assign(new Error('Rate exceeded'), {
          name,
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        });
      }
      const source = data[command];
      if (!source) throw new Error(`fake EC2: ${command} not modelled`);
      const input = args.input as { MaxResults?: number; NextToken?: string };
      const start = input.NextToken ? Number(input.NextToken) : 0;
      const size =
        command === 'DescribeAddresses' ? source.items.length : (input.MaxResults ?? source.items.length);
      const end = Math.min(source.items.length, start + size);
      c.ok++;
      return {
        output: {
          $metadata: { httpStatusCode: 200 },
          [source.key]: source.items.slice(start, end),
          NextToken: end < source.items.length ? String(end) : undefined,
        },
        response: { statusCode: 200, headers: {}, body: undefined },
      } as never;
    },
    { step: 'deserialize', name: 'benchFakeEc2', priority: 'high' },
  );
  const minimum = {
    DescribeInstances: Math.ceil(SIZES.instances / 1000),
    DescribeVolumes: Math.ceil(SIZES.volumes / 500),
    DescribeSnapshots: Math.ceil(SIZES.snapshots / 1000),
    DescribeAddresses: 1,
    DescribeImages: 1,
    DescribeLaunchTemplates: 1,
  } as Record<string, number>;
  return { client, calls, minimum };
}

function accessWith(ec2: EC2Client): AccountAccess {
  const credentials = { accessKeyId: 'AKIABENCH', secretAccessKey: 'bench' };
  return {
    ec2: () => ec2,
    autoScaling: (region) => new AutoScalingClient({ region, credentials }),
    eks: (region) => new EKSClient({ region, credentials }),
    eventBridge: (region) => new EventBridgeClient({ region, credentials }),
    sts: (region) => new STSClient({ region, credentials }),
    savingsPlans: () => new SavingsplansClient({ region: 'us-east-1', credentials }),
  };
}

/** Counts every Slack call the publish path makes (a fake Web API answering at once). */
function countingNotifier(deadline: () => boolean) {
  const counts = new Map<string, number>();
  let seq = 0;
  const note = (method: string) => {
    if (deadline()) throw new Error('bench: publish budget spent');
    counts.set(method, (counts.get(method) ?? 0) + 1);
  };
  const ref = (channel: string): MessageRef => ({
    channel,
    ts: `1700000000.${String(++seq).padStart(6, '0')}`,
  });
  const notifier: Notifier = {
    async post(channel) {
      note('chat.postMessage');
      return ref(channel);
    },
    async reply(thread) {
      note('chat.postMessage');
      return ref(thread.channel);
    },
    async update() {
      note('chat.update');
    },
    async ephemeral() {
      note('chat.postEphemeral');
    },
    async uploadFile() {
      note('files.uploadV2');
      return undefined as never;
    },
    async publishHome() {
      note('views.publish');
    },
    async openModal() {
      note('views.open');
    },
  } as Notifier;
  return { notifier, counts };
}

function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

const benchConfig = (env: Record<string, string> = {}) =>
  loadConfig({
    SLACK_MODE: 'http',
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: 'http://127.0.0.1:9/api/',
    AWS_REGION: 'us-east-1',
    SPOTOPS_CHANNEL: 'C0BENCH',
    LOG_LEVEL: 'silent',
    ...env,
  });

// ---------------------------------------------------------------- 1. the 10k account

async function accountScan(kind: 'postgres' | 'pglite') {
  out(`\n## 1. Scan + publish of a 10k account (${kind})`);
  const b = await freshDb(kind);
  try {
    const { db } = b.database;
    const account = await insertAccount(db);
    const clock = new ManualClock(NOW);
    // The volumes were first seen unattached a month ago (an account scanned before).
    await db.execute(sql`insert into resource_sightings (account_id, region, resource_id, condition, first_seen_at, last_seen_at)
      select ${account.id}, 'us-east-1', 'vol-' || lpad(to_hex(g), 17, '0'), 'unattached', ${new Date(NOW.getTime() - 30 * DAY).toISOString()}::timestamptz, ${new Date(NOW.getTime() - DAY).toISOString()}::timestamptz
      from generate_series(0, ${SIZES.volumes - 1}) g`);
    const fake = fakeEc2();
    const config = benchConfig();
    const statements0 = b.statements();
    const commits0 = await b.commits();
    const cpu0 = process.cpuUsage();
    const rssBefore = process.memoryUsage().rss;
    const rss = rssSampler();
    const t0 = performance.now();
    const report = await runScan(
      { db, aws: () => accessWith(fake.client), clock, log: silentLogger, config },
      {
        accounts: [account],
        kinds: [
          'unauthorized-instances',
          'unattached-ebs-volumes',
          'old-ebs-snapshots',
          'unassociated-elastic-ips',
        ],
        concurrency: 4,
      },
    );
    const scanWall = performance.now() - t0;
    const peakScan = rss.stop();
    const cpu = process.cpuUsage(cpu0);
    const scanStatements = b.statements() - statements0;
    const commits1 = await b.commits();

    out('AWS calls per API (successful pages; throttled attempts retried by the SDK):');
    for (const [api, min] of Object.entries(fake.minimum)) {
      const c = fake.calls.get(api) ?? { ok: 0, throttled: 0 };
      out(
        `  ${api.padEnd(24)} ${String(c.ok).padStart(4)} calls, minimum ${String(min).padStart(4)}, +${c.throttled} throttled   target: calls == minimum ${c.ok === min ? 'MET' : 'MISSED'}`,
      );
    }
    out(
      `findings: ${n(report.runs.reduce((s, r) => s + r.findings, 0))} (${report.failures.length} failed runs), rows written ${n(report.written)}`,
    );
    for (const f of report.failures) out(`  FAILED ${f.scanner}: ${f.error.slice(0, 400)}`);
    out(`scan wall ${ms(scanWall)}, CPU ${ms((cpu.user + cpu.system) / 1000)}`);
    if (kind === 'postgres')
      out(
        `DB statements ${n(scanStatements)}, commits ${commits1 !== undefined && commits0 !== undefined ? n(commits1 - commits0) : '?'}   (before: ~55,000 commits)`,
      );

    // The re-scan with nothing changed: rows written should be 0.
    clock.advance(60 * 60_000);
    const r2 = await runScan(
      { db, aws: () => accessWith(fakeEc2().client), clock, log: silentLogger, config },
      {
        accounts: [account],
        kinds: [
          'unauthorized-instances',
          'unattached-ebs-volumes',
          'old-ebs-snapshots',
          'unassociated-elastic-ips',
        ],
        concurrency: 4,
      },
    );
    out(
      `unchanged re-scan: rows written ${n(r2.written)}, marked seen ${n(r2.unchanged)}, resolved ${n(r2.resolved.length)}`,
    );

    // Publish as the bot does: cards and summary replies become outbox rows, and the relay
    // delivers them (pacing off: the fake answers at once), counting the Slack calls it makes.
    const started = performance.now();
    const { notifier, counts } = countingNotifier(() => performance.now() - started > PUBLISH_BUDGET_MS);
    const deps = createDeps(config, b.database, silentLogger, { clock, notifier });
    let publishNote = '';
    try {
      const result = await publishScanResults(deps, {});
      await createRelay(deps, { postIntervalMs: 0, updateIntervalMs: 0 }).drain();
      publishNote = ` (${n(result.posted)} findings on ${n(result.cards)} cards)`;
    } catch (err) {
      publishNote = ` (stopped: ${err instanceof Error ? err.message : String(err)})`;
    }
    const publishMs = performance.now() - started;
    const posted = counts.get('chat.postMessage') ?? 0;
    out(
      `publish: ${n(posted)} chat.postMessage, ${n(counts.get('chat.update') ?? 0)} chat.update in ${ms(publishMs)}${publishNote}   target: < 100 messages ${posted < 100 ? 'MET' : 'MISSED'}`,
    );
    out(`scan + publish wall ${ms(scanWall + publishMs)}   target: < 20,000 ms on PostgreSQL`);
    out(`peak RSS during scan ${mib(peakScan)} (process before the scan: ${mib(rssBefore)})`);
  } finally {
    await b.destroy();
  }
}

// ---------------------------------------------------------------- 2. 100k upserts

async function upserts(kind: 'postgres' | 'pglite') {
  out(`\n## 2. 100,000 findings upserted, then a 1 % re-scan (${kind})`);
  const b = await freshDb(kind);
  try {
    const { db } = b.database;
    const account = await insertAccount(db);
    const total = 100_000;
    const make = (i: number, size: number): Finding => {
      const id = `vol-${i.toString(16).padStart(17, '0')}`;
      return {
        scanner: 'unattached-ebs-volumes',
        accountId: account.id,
        region: 'us-east-1',
        resourceId: id,
        title: `EBS volume ${id} (${size} GiB gp3) unattached for 30 days`,
        evidence: {
          volumeId: id,
          sizeGiB: size,
          volumeType: 'gp3',
          unattachedDays: 30,
          tags: { team: 'bench' },
        },
        monthlySavingsUsd: size * 0.08,
        riskLevel: 'MEDIUM',
        proposal: { executor: 'delete-ebs-volume', params: { volumeId: id } },
      };
    };
    const run = async (now: Date, size: (i: number) => number) => {
      const s = findingStore(db, now);
      const st0 = b.statements();
      const t0 = performance.now();
      for (let p = 0; p < total; p += 1000) {
        const page: Finding[] = [];
        for (let i = p; i < p + 1000; i++) page.push(make(i, size(i)));
        await s.add(page);
      }
      await s.flush();
      return {
        wall: performance.now() - t0,
        written: s.written,
        unchanged: s.unchanged,
        statements: b.statements() - st0,
      };
    };
    const first = await run(NOW, () => 100);
    out(
      `100,000 upserts: ${ms(first.wall)}, rows written ${n(first.written)}${kind === 'postgres' ? `, statements ${n(first.statements)}` : ''}   target: < 10,000 ms on PostgreSQL${kind === 'postgres' ? (first.wall < 10_000 ? ' MET' : ' MISSED') : ''}`,
    );
    const second = await run(new Date(NOW.getTime() + 3_600_000), (i) => (i % 100 === 0 ? 200 : 100));
    out(
      `1 % re-scan: ${ms(second.wall)}, rows written ${n(second.written)} (${((100 * second.written) / total).toFixed(2)} %), marked seen ${n(second.unchanged)}${kind === 'postgres' ? `, statements ${n(second.statements)}` : ''}   target: ~1 % written ${Math.abs(second.written - total / 100) <= total / 1000 ? 'MET' : 'MISSED'}`,
    );
  } finally {
    await b.destroy();
  }
}

// ---------------------------------------------------------------- 3. acks

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Request {
  body: string;
  contentType: string;
}

/**
 * Sends the requests all at once from a separate process (test/bench/fire.mjs), as Slack would
 * from outside, and returns the ack times sorted.
 */
async function fire(url: string, requests: Request[]): Promise<number[]> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'fire.mjs')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  const done = new Promise<number>((resolve) => child.on('close', resolve));
  child.stdin.end(JSON.stringify({ url, secret: SIGNING_SECRET, bodies: requests }));
  const code = await done;
  if (code !== 0) throw new Error(`bench client exited with ${code}`);
  return (JSON.parse(stdout) as number[]).sort((a, b) => a - b);
}

const form = 'application/x-www-form-urlencoded';
const commands = (count: number, responseUrl: string): Request[] =>
  Array.from({ length: count }, (_, i) => ({
    body: slashCommandBody('waste', { user: `U${i}`, responseUrl }),
    contentType: form,
  }));
const clicks = (recIds: number[], responseUrl: string): Request[] =>
  recIds.map((id, i) => ({
    body: interactionBody(buttonClick(ACTIONS.ignore, String(id), { user: `UAPPROVER${i}`, responseUrl })),
    contentType: form,
  }));

function summary(label: string, times: number[]): string {
  return `${label.padEnd(34)} p50 ${ms(percentile(times, 50))}, p99 ${ms(percentile(times, 99))}, over 3 s: ${times.filter((t) => t > 3000).length}`;
}

async function acks(kind: 'postgres' | 'pglite') {
  out(
    `\n## 3. Ack of 50 concurrent requests doing real work (real Bolt app, HTTP mode, 100k open findings, ${kind})`,
  );
  const b = await freshDb(kind);
  const stops: (() => Promise<unknown>)[] = [];
  try {
    const { db } = b.database;
    const account = await insertAccount(db);
    const approvers = Array.from({ length: 150 }, (_, i) => `UAPPROVER${i}`);
    await db.update(accounts).set({ approvers }).where(eq(accounts.id, account.id));
    const s = findingStore(db, NOW);
    for (let p = 0; p < 100_000; p += 5000) {
      const page: Finding[] = [];
      for (let i = p; i < p + 5000; i++) {
        const kindOf = [
          'unattached-ebs-volumes',
          'old-ebs-snapshots',
          'unassociated-elastic-ips',
          'unauthorized-instances',
        ][i % 4]!;
        page.push({
          scanner: kindOf,
          accountId: account.id,
          region: 'us-east-1',
          resourceId: `res-${i}`,
          title: `finding ${i}`,
          evidence: { i, note: 'x'.repeat(200) },
          monthlySavingsUsd: i % 50,
          riskLevel: 'MEDIUM',
          proposal: { executor: 'delete-ebs-volume', params: { volumeId: `res-${i}` } },
        });
      }
      await s.add(page);
    }
    await s.flush();
    // The waste findings are on cards (posted, 100 per card), so a click refreshes a card.
    await db.execute(sql`update recommendations set status = 'posted', slack_channel = 'C0BENCH',
      slack_ts = '1700000000.' || lpad((id / 100)::text, 6, '0')
      where kind = 'unattached-ebs-volumes'`);
    const posted = await rows<{ id: number }>(
      db,
      sql`select id from recommendations where status = 'posted' order by id limit 150`,
    );
    const ids = posted.map((r) => r.id);

    // Bolt checks its token (auth.test) and commands answer on response_url: the fake Slack does both.
    const slack = await FakeSlack.start();
    stops.push(() => slack.stop());
    const config = benchConfig({
      SLACK_API_URL: slack.apiUrl,
      ...(process.env.SLACK_WORK_CONCURRENCY
        ? { SLACK_WORK_CONCURRENCY: process.env.SLACK_WORK_CONCURRENCY }
        : {}),
    });
    const deps = createDeps(config, b.database, silentLogger, { clock: new ManualClock(NOW) });
    const app = createSlackApp(deps, { kick: () => {} });
    const server = (await app.start(0)) as Server;
    stops.push(() => app.stop());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    // The relay delivers the clicks' answers and card refreshes, as in the bot.
    const relay = createRelay(deps);
    relay.start();
    stops.push(() => relay.stop());

    const bare = new App({
      logLevel: LogLevel.ERROR,
      signingSecret: SIGNING_SECRET,
      token: 'xoxb-bench',
      clientOptions: { slackApiUrl: slack.apiUrl },
    });
    bare.command('/spot', async ({ ack }) => {
      await ack();
    });
    bare.action(/.*/, async ({ ack }) => {
      await ack();
    });
    const bareServer = (await bare.start(0)) as Server;
    stops.push(() => bare.stop());
    const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}/slack/events`;

    const respond = slack.responseUrl('bench');
    const answered = () => slack.callsOf('response_url').length;
    const settle = async (expected: number) => {
      await slack.waitFor(() => answered() >= expected, 120_000).catch(() => undefined);
    };
    // Warm-up: both apps answer a few of each first.
    await fire(bareUrl, commands(5, respond));
    await fire(url, commands(5, respond));
    await fire(url, clicks(ids.slice(100, 105), respond));
    await settle(5);

    // The bare app first, while spotops is idle, then spotops; each request's work runs after its ack.
    const bareCommands = await fire(bareUrl, commands(50, respond));
    const realCommands = await fire(url, commands(50, respond));
    const t0 = performance.now();
    await settle(55);
    const commandAnswers = performance.now() - t0;
    const bareClicks = await fire(bareUrl, clicks(ids.slice(0, 50), respond));
    const realClicks = await fire(url, clicks(ids.slice(50, 100), respond));
    const decided = async () =>
      (
        await rows<{ n: number }>(
          db,
          sql`select count(*)::int as n from recommendations where status = 'ignored' and id = any(${pgArray(ids.slice(50, 100), 'int4')})`,
        )
      )[0]!.n;
    const storedAtAck = (
      await rows<{ n: number }>(
        db,
        sql`select count(*)::int as n from interaction_inbox where action_id = ${ACTIONS.ignore} and (click ->> 'value')::int = any(${pgArray(ids.slice(50, 100), 'int4')})`,
      )
    )[0]!.n;
    const t1 = performance.now();
    await slack.waitFor(async () => (await decided()) >= 50, 120_000).catch(() => undefined);
    const decisionsTaken = performance.now() - t1;
    const decidedAfter = await decided();

    out(summary('/spot waste, spotops', realCommands));
    out(summary('/spot waste, bare Bolt', bareCommands));
    out(`  answers delivered: ${answered()} of 55, the last ${ms(commandAnswers)} after the last ack`);
    out(summary('Ignore clicks (decisions), spotops', realClicks));
    out(summary('Ignore clicks, bare Bolt', bareClicks));
    out(
      `  clicks stored (inbox) when the last ack arrived: ${storedAtAck} of 50 (an acked click is a stored click); decisions taken: ${decidedAfter} of 50, the last ${ms(decisionsTaken)} after the last ack`,
    );
    const worst = Math.max(percentile(realCommands, 99), percentile(realClicks, 99));
    const baseWorst = Math.max(percentile(bareCommands, 99), percentile(bareClicks, 99));
    out(
      `target: p99 < 100 ms ${worst < 100 ? 'MET' : 'MISSED'} (worst p99 ${ms(worst)}); within 2x of bare Bolt ${worst <= 2 * Math.max(baseWorst, 1) ? 'MET' : 'MISSED'} (bare worst p99 ${ms(baseWorst)})`,
    );
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await b.destroy();
  }
}

// ---------------------------------------------------------------- 4. idle RSS and start time

/** A port nothing listens on now (other processes on the machine pick ports too). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

type Runner = 'dist' | 'tsx';
/** `dist`: the built process (`npm start`); `tsx`: `npm run dev` without the watch (TypeScript at run time). */
const RUNNERS: Record<Runner, string[]> = {
  dist: ['dist/main.js'],
  tsx: ['--import', 'tsx', 'src/main.ts'],
};

async function startOnce(
  env: Record<string, string>,
  runner: Runner = 'dist',
): Promise<{ startMs: number; rss: number }> {
  const port = await freePort();
  const child = spawn(process.execPath, RUNNERS[runner], {
    env: {
      ...process.env,
      SLACK_MODE: 'http',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      PORT: String(port),
      LOG_LEVEL: 'error',
      SPOTOPS_CHANNEL: 'C0BENCH',
      AWS_REGION: 'us-east-1',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const t0 = performance.now();
  try {
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${RUNNERS[runner].join(' ')} exited with ${child.exitCode}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body: '' });
        await res.text();
        // Our own process answers Bolt's 401 for an unsigned request.
        if (res.status === 401) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const startMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 10_000)); // idle
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) * 1024;
    return { startMs, rss };
  } finally {
    child.kill('SIGTERM');
  }
}

const STARTS = Number(process.env.BENCH_STARTS ?? 3);

/** Starts `STARTS` times; prints the best and the median start time and idle RSS. */
async function starts(label: string, env: Record<string, string>, runner: Runner, rssTarget: number) {
  const runs: { startMs: number; rss: number }[] = [];
  for (let i = 0; i < STARTS; i++) runs.push(await startOnce(env, runner));
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const startBest = Math.min(...runs.map((r) => r.startMs));
  const rssBest = Math.min(...runs.map((r) => r.rss));
  const rssMedian = median(runs.map((r) => r.rss));
  out(
    `${label.padEnd(22)} start best ${ms(startBest)} / median ${ms(median(runs.map((r) => r.startMs)))}, idle RSS best ${mib(rssBest)} / median ${mib(rssMedian)} (${runs.length} starts)   targets: ${label.startsWith('PostgreSQL') ? `start < 3,000 ms ${startBest < 3000 ? 'MET' : 'MISSED'}, ` : ''}RSS < ${rssTarget / 1e6} MB ${rssMedian < rssTarget ? 'MET' : 'MISSED'} (median)`,
  );
}

async function lean(pg: boolean) {
  out(
    '\n## 4. Idle RSS and start to listening (HTTP mode; `npm start` = built dist/main.js, and tsx src/main.ts as `npm run dev`)',
  );
  if (!existsSync('dist/main.js') || process.env.BENCH_BUILD === '1') {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], {
      stdio: 'inherit',
    });
  }
  if (pg) {
    const b = await freshDb('postgres');
    const url = new URL(ADMIN_URL);
    const [name] = (await b.database.db.execute(sql`select current_database() as name`)) as unknown as {
      name: string;
    }[];
    url.pathname = `/${name!.name}`;
    await b.database.close();
    for (const runner of ['dist', 'tsx'] as const)
      await starts(`PostgreSQL, ${runner}:`, { DATABASE_URL: url.toString() }, runner, 150e6);
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${name!.name} with (force)`);
    await admin.end();
  }
  const dir = mkdtempSync(join(tmpdir(), 'spotops-bench-'));
  try {
    await startOnce({ DATA_DIR: dir }); // the first start migrates
    for (const runner of ['dist', 'tsx'] as const)
      await starts(`PGlite, ${runner}:`, { DATA_DIR: dir }, runner, 250e6);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- main

const only = new Set((process.env.BENCH_ONLY ?? '1,2,3,4').split(','));
const pg = await postgresAnswers();
out(
  `# spotops scale benchmark — ${new Date().toISOString()}, ${(await import('node:os')).cpus().length} cores, node ${process.version}`,
);
if (!pg) out(`(PostgreSQL at ${ADMIN_URL} does not answer: PostgreSQL sections skipped)`);
if (only.has('1')) {
  if (pg) await accountScan('postgres');
  await accountScan('pglite');
}
if (only.has('2')) {
  if (pg) await upserts('postgres');
  await upserts('pglite');
}
if (only.has('3')) await acks(pg ? 'postgres' : 'pglite');
if (only.has('4')) await lean(pg);
process.exit(0);
