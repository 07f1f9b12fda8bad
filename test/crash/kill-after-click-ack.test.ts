// Acceptance (issue 9, acks that never wait on work): a Slack process is killed with SIGKILL after
// it acked three Ignore clicks and before it took the decisions. Nothing is lost: the clicks are
// in the inbox, and the next process replays them once the dead one's claim lapses; each decision
// is taken exactly once (one audit row each).
// Needs PostgreSQL (TEST_DATABASE_URL, the "postgres" project): two processes share the database.
import { type ChildProcess, spawn } from 'node:child_process';
import { inArray } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { auditEvents, interactionInbox, recommendations } from '../../src/db/schema.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { INBOX_LEASE_MS } from '../../src/slack/inbox.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { buttonClick } from '../helpers/app.js';
import { FakeSlack } from '../helpers/fake-slack.js';
import {
  bundleChild,
  freePort,
  postgresReachable,
  type ScratchDatabase,
  scratchDatabase,
  waitFor,
} from '../helpers/processes.js';
import { interactionBody, SIGNING_SECRET, slackPost } from '../helpers/signing.js';

const CHILD = '.crash/slack/child.mjs';
const adminUrl = process.env.TEST_DATABASE_URL;

const skipReason =
  process.env.SPOTOPS_TEST_DB !== 'postgres'
    ? 'crash tests run in the "postgres" project (TEST_DATABASE_URL set, --project postgres)'
    : !(await postgresReachable(adminUrl))
      ? 'PostgreSQL at TEST_DATABASE_URL is not reachable'
      : undefined;
if (skipReason) console.warn(`skipping the click crash test: ${skipReason}`);

describe.skipIf(skipReason !== undefined)(
  'a Slack process killed after acking decision clicks',
  { timeout: 120_000 },
  () => {
    let scratch: ScratchDatabase;
    let database: Database;
    let slack: FakeSlack;
    const children = new Set<ChildProcess>();

    beforeAll(async () => {
      bundleChild('test/crash/slack-child.ts', CHILD);
      scratch = await scratchDatabase(adminUrl!, 'spotops_click_crash');
      database = scratch.database;
      slack = await FakeSlack.start();
    }, 60_000);

    afterEach(async () => {
      for (const c of children) {
        c.kill('SIGKILL');
        if (c.exitCode === null && c.signalCode === null) await new Promise((r) => c.once('exit', r));
      }
      children.clear();
    });

    afterAll(async () => {
      await slack?.stop();
      await scratch?.drop();
    });

    async function startApp(env: Record<string, string>): Promise<{ proc: ChildProcess; url: string }> {
      const port = await freePort();
      const proc = spawn(process.execPath, [CHILD], {
        env: {
          ...process.env,
          DATABASE_URL: scratch.url,
          SLACK_API_URL: slack.apiUrl,
          SLACK_SIGNING_SECRET: SIGNING_SECRET,
          PORT: String(port),
          CHILD_LOG_LEVEL: process.env.CHILD_LOG_LEVEL ?? 'silent',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.add(proc);
      let out = '';
      proc.stdout?.on('data', (d) => {
        out += d;
      });
      await waitFor('the Slack process to listen', async () => {
        if (proc.exitCode !== null) throw new Error(`the Slack process exited with ${proc.exitCode}`);
        return out.includes('ready') ? true : undefined;
      });
      return { proc, url: `http://127.0.0.1:${port}/slack/events` };
    }

    it('replays the acked clicks in the next process and decides each exactly once', async () => {
      const account = await verifiedAccount(database.db);
      const recs = await database.db
        .insert(recommendations)
        .values(
          [0, 1, 2].map((i) => ({
            fingerprint: `crash-eip-${i}`,
            kind: 'unassociated-elastic-ips',
            executor: 'release-elastic-ip',
            accountId: account.id,
            region: 'us-east-1',
            resourceId: `eipalloc-crash-${i}`,
            title: `Elastic IP ${i}`,
            params: { allocationId: `eipalloc-crash-${i}` },
            evidence: { publicIp: '52.1.2.3', allocationId: `eipalloc-crash-${i}` },
            monthlySavingsUsd: 3.65,
            status: 'posted' as const,
            slackChannel: 'C0OPS',
            slackTs: '1767225600.000001',
          })),
        )
        .returning({ id: recommendations.id });
      const ids = recs.map((r) => r.id);
      const statuses = async () =>
        (await database.db.select().from(recommendations).where(inArray(recommendations.id, ids))).map(
          (r) => r.status,
        );

      // 1. The first process acks three clicks, cannot decide them (its lane is held), and dies.
      const first = await startApp({ HOLD_LANE: '1' });
      const acks = await Promise.all(
        ids.map((id) => slackPost(first.url, interactionBody(buttonClick(ACTIONS.ignore, String(id))))),
      );
      expect(acks.map((r) => r.status)).toEqual([200, 200, 200]);
      const stored = await database.db.select().from(interactionInbox);
      expect(stored).toHaveLength(3);
      expect(stored.every((r) => r.processedAt === null)).toBe(true);
      expect(await statuses()).toEqual(['posted', 'posted', 'posted']);
      first.proc.kill('SIGKILL');
      await new Promise((r) => first.proc.once('exit', r));

      // 2. The next process (its clock past the dead one's claims) replays them at start.
      await startApp({ CLOCK_OFFSET_MS: String(INBOX_LEASE_MS + 5_000) });
      await waitFor('the replayed decisions', async () => {
        const rows = await database.db.select().from(interactionInbox);
        return rows.every((r) => r.outcome === 'done') ? rows : undefined;
      });
      expect(await statuses()).toEqual(['ignored', 'ignored', 'ignored']);
      const ignored = (
        await database.db.select().from(auditEvents).where(inArray(auditEvents.recommendationId, ids))
      )
        .filter((a) => a.event === 'ignored')
        .map((a) => a.recommendationId)
        .sort();
      expect(ignored).toEqual([...ids].sort());
      expect((await database.db.select().from(interactionInbox)).map((r) => r.attempts)).toEqual([2, 2, 2]);
    });
  },
);
