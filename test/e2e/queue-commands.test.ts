// The queue through the real Bolt app and a fake Slack: `/spot approve <filter>` and Approve all
// approve as one batch with one progress message updated in place; `/spot schedule` (and the
// Schedule button's modal) keep a wish before approval and move queued work; `/spot status`
// with no id shows the queue, within Slack's limits with thousands queued.
import { DescribeAddressesCommand, EC2Client, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditEvents, batches, executions, recommendations } from '../../src/db/schema.js';
import { scanAndPost } from '../../src/jobs/scan-and-post.js';
import { encodeApproveAll, wasteGroupKey } from '../../src/slack/blocks/values.js';
import { ACTIONS, INPUTS, VIEWS } from '../../src/slack/ids.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { buttonClick, startTestApp, type TestApp, viewSubmission } from '../helpers/app.js';
import { checkMessage } from '../helpers/slack-limits.js';

const ec2 = mockClient(EC2Client);
const sts = mockClient(STSClient);
const ADDRESSES = ['eipalloc-01', 'eipalloc-02', 'eipalloc-03', 'eipalloc-04', 'eipalloc-05'];

function fakeAddresses() {
  const released = new Set<string>();
  ec2.on(DescribeAddressesCommand).callsFake(async (input: { AllocationIds?: string[] }) => ({
    Addresses: ADDRESSES.filter((id) => !released.has(id))
      .filter((id) => !input.AllocationIds || input.AllocationIds.includes(id))
      .map((id, i) => ({
        AllocationId: id,
        PublicIp: `52.1.2.${i + 1}`,
        Domain: 'vpc',
        NetworkBorderGroup: 'us-east-1',
      })),
  }));
  ec2.on(ReleaseAddressCommand).callsFake(async (input: { AllocationId: string; DryRun?: boolean }) => {
    if (input.DryRun)
      throw Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), {
        name: 'DryRunOperation',
      });
    released.add(input.AllocationId);
    return {};
  });
}

const BOB = { user: 'U0BOB' };
/** The test app's clock stands at 2026-11-24 12:00 UTC: "tomorrow 09:00" in Slack's date token. */
const TOMORROW_9 = Date.parse('2026-11-25T09:00:00Z') / 1000;
const allText = (r: { text: string; blocks?: unknown[] }) => `${r.text} ${JSON.stringify(r.blocks ?? [])}`;

describe('the queue in Slack', () => {
  let t: TestApp;
  let accountId: number;
  beforeEach(async () => {
    ec2.reset();
    sts.reset();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIA',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date('2030-01-01T00:00:00Z'),
      },
    });
    fakeAddresses();
    t = await startTestApp({ env: { DRY_RUN: 'false', BATCH_MAX_CONCURRENCY: '2' } });
    accountId = (await verifiedAccount(t.db.db)).id;
    await scanAndPost(t.deps, ['unassociated-elastic-ips']);
    await t.deliverOutbox();
  });
  afterEach(() => t.stop());

  const recs = () => t.db.db.select().from(recommendations).orderBy(recommendations.id);
  const batchMessages = () => t.slack.messages.filter((m) => !m.thread_ts && m.text?.startsWith('Batch b'));

  it('/spot approve <filter> approves the matching cards as one batch, with one progress message', async () => {
    expect((await recs()).map((r) => r.status)).toEqual(ADDRESSES.map(() => 'posted'));

    // Clear sentences first: no filter, a filter that matches nothing, someone who may not approve.
    expect((await t.commandReply('approve', BOB)).text).toContain(
      'Name what to approve: an account, a region and/or a kind.\nUsage: `/spot approve',
    );
    expect((await t.commandReply('approve region=eu-west-1', BOB)).text).toBe(
      'Nothing matches: no cards in eu-west-1 waiting for approval. `/spot waste` and `/spot shadow` list what is open.',
    );
    expect((await t.commandReply('approve nosuch', BOB)).text).toContain('There is no account called nosuch');
    expect((await t.commandReply('approve lab mode=diagonal', BOB)).text).toContain(
      '"diagonal" is not a batch mode',
    );
    expect((await t.commandReply('approve lab eips')).text).toBe(
      ':warning: Nothing was approved: only <@U0BOB> can approve actions in lab.',
    );
    expect(await t.db.db.select().from(executions)).toEqual([]);

    const reply = await t.commandReply('approve lab eips us-east-1 mode=sequential', BOB);
    expect(reply.text).toMatch(
      /^Approved 5 items as batch (b[0-9a-f]{8}) \(sequential: one at a time, stops after 1 failure\)\.$/,
    );
    const [batch] = await t.db.db.select().from(batches);
    expect(batch).toMatchObject({
      mode: 'sequential',
      maxConcurrency: 1,
      requestedBy: 'U0BOB',
      slackChannel: 'C0OPS',
    });
    const queued = await t.db.db.select().from(executions).orderBy(executions.id);
    expect(queued.map((e) => e.batchId)).toEqual(ADDRESSES.map(() => batch!.id));

    await t.runQueued(5);
    await t.deliverOutbox();
    const done = await t.db.db.select().from(executions).orderBy(executions.startedAt);
    expect(done.map((e) => e.status)).toEqual(ADDRESSES.map(() => 'succeeded'));
    // Sequential: each started after the one before finished.
    for (let i = 1; i < done.length; i++) {
      expect(done[i]!.startedAt!.getTime()).toBeGreaterThanOrEqual(done[i - 1]!.finishedAt!.getTime());
    }
    // One message for the batch, posted once and updated in place.
    const [progress, ...more] = batchMessages();
    expect(more).toEqual([]);
    expect(progress!.text).toBe(`Batch ${batch!.id}: 5/5 done, 0 failed, 0 queued`);
    expect(checkMessage({ text: progress!.text!, blocks: progress!.blocks! })).toEqual([]);
    expect(t.slack.callsOf('chat.update').filter((c) => c.args.ts === progress!.ts).length).toBe(
      progress!.updates,
    );
    expect(await t.db.db.select().from(batches)).toMatchObject([{ total: 5, succeeded: 5, failed: 0 }]);
  });

  it('Approve all on the group card is one batch with the default settings', async () => {
    const [first] = await recs();
    await t.interact(
      buttonClick(ACTIONS.approveAll, encodeApproveAll(wasteGroupKey(accountId, 'us-east-1', first!.kind)), {
        messageTs: first!.slackTs!,
      }),
    );
    await t.runQueued(5);
    await t.deliverOutbox();
    const [batch] = await t.db.db.select().from(batches);
    expect(batch).toMatchObject({ mode: 'parallel', maxConcurrency: 2, total: 5, succeeded: 5 });
    expect(batch!.description).toBe('Approve all: 5 unassociated Elastic IPs in lab us-east-1');
    expect(batchMessages().map((m) => m.text)).toEqual([`Batch ${batch!.id}: 5/5 done, 0 failed, 0 queued`]);
    const ephemeral = t.slack.callsOf('chat.postEphemeral').map((c) => String(c.args.text));
    expect(
      ephemeral.some((s) =>
        s.startsWith(`Approved 5 items as batch ${batch!.id} (parallel: up to 2 at once`),
      ),
    ).toBe(true);
  });

  it('/spot schedule keeps a wish before approval and moves queued work; /spot status shows the queue', async () => {
    const [rec] = await recs();
    // Before approval: the wish is kept, audited, and the card says when it will run.
    const wish = await t.commandReply(`schedule ${rec!.id} tomorrow 09:00 high`, BOB);
    expect(wish.text).toBe(
      `Recommendation #${rec!.id} still needs an approval; once approved it runs at 2026-11-25 09:00 UTC, high priority.`,
    );
    await t.deliverOutbox();
    const card = t.slack.messages.find((m) => m.ts === rec!.slackTs)!;
    expect(JSON.stringify(card.blocks)).toContain(`once approved, runs <!date^${TOMORROW_9}^`);
    const [scheduled] = await t.db.db.select().from(auditEvents).where(eq(auditEvents.event, 'scheduled'));
    expect(scheduled).toMatchObject({ actor: 'U0BOB', recommendationId: rec!.id });

    // Approval applies it.
    await t.interact(buttonClick(ACTIONS.approve, String(rec!.id), { messageTs: rec!.slackTs! }));
    const [exec] = await t.slack.waitFor(async () => {
      const rows = await t.db.db.select().from(executions);
      return rows.length ? rows : undefined;
    });
    expect(exec).toMatchObject({
      status: 'approved',
      priority: 50,
      scheduledFor: new Date('2026-11-25T09:00:00Z'),
    });
    await t.worker.kick();
    expect((await t.db.db.select().from(executions))[0]!.status).toBe('approved'); // not its time yet
    await t.deliverOutbox();
    expect(JSON.stringify(t.slack.messages.find((m) => m.ts === rec!.slackTs)!.blocks)).toContain(
      `runs <!date^${TOMORROW_9}^`,
    );

    const status = await t.commandReply('status', BOB);
    expect(status.text).toBe('Execution queue: 0 running, 0 queued, 1 scheduled later');
    expect(allText(status)).toContain(
      `\`e${exec!.id}\` (#${rec!.id}) release-elastic-ip · lab us-east-1 · high`,
    );

    // Bad input gets a sentence and the usage; nothing moves.
    expect((await t.commandReply(`schedule e${exec!.id} yesterday`, BOB)).text).toContain(
      'is not a time I can read',
    );
    expect((await t.commandReply(`schedule e${exec!.id} today 08:00`, BOB)).text).toContain(
      '2026-11-24 08:00 UTC is in the past',
    );
    expect((await t.commandReply('schedule i-0abc now', BOB)).text).toContain('"i-0abc" is not an id');
    expect((await t.commandReply('schedule e999 now', BOB)).text).toBe(
      ':warning: There is no execution e999.',
    );
    expect((await t.commandReply(`schedule e${exec!.id} now`)).text).toContain(
      'only <@U0BOB> can schedule work in lab',
    );

    // Moving it to now at critical priority: it is due, first in line, and runs.
    expect((await t.commandReply(`schedule e${exec!.id} now critical`, BOB)).text).toBe(
      `Execution e${exec!.id} runs as soon as possible, critical priority.`,
    );
    expect((await t.db.db.select().from(executions))[0]).toMatchObject({
      priority: 10,
      scheduledFor: t.clock.now(),
    });
    await t.worker.kick();
    expect((await t.db.db.select().from(executions))[0]!.status).toBe('succeeded');
    expect((await t.commandReply(`schedule e${exec!.id} now`, BOB)).text).toBe(
      `:warning: Execution e${exec!.id} is already finished (succeeded); only queued work can be moved.`,
    );
    expect((await t.commandReply('status', BOB)).text).toBe('Execution queue: nothing is running or queued.');
  });

  it('the Schedule button opens a modal whose answer schedules the card', async () => {
    const [rec] = await recs();
    await t.interact(buttonClick(ACTIONS.schedule, String(rec!.id), { messageTs: rec!.slackTs! }));
    const open = await t.slack.waitFor(() => t.slack.callsOf('views.open')[0]);
    const view = open.args.view as { callback_id: string; private_metadata: string; blocks: unknown[] };
    expect(view.callback_id).toBe(VIEWS.schedule);
    expect(checkMessage({ text: 'modal', blocks: view.blocks })).toEqual([]);
    const values = (when: string) => ({
      [INPUTS.when.block]: { [INPUTS.when.action]: { type: 'plain_text_input', value: when } },
      [INPUTS.priority.block]: {
        [INPUTS.priority.action]: { type: 'static_select', selected_option: { value: 'low' } },
      },
    });
    // A time it cannot read goes back to the form.
    const bad = await t.interact(viewSubmission(VIEWS.schedule, view.private_metadata, values('whenever')));
    expect(await bad.json()).toMatchObject({
      response_action: 'errors',
      errors: { [INPUTS.when.block]: expect.stringContaining('not a time I can read') },
    });
    await t.interact(viewSubmission(VIEWS.schedule, view.private_metadata, values('in 2h')));
    const row = await t.slack.waitFor(async () => {
      const [r] = await t.db.db.select().from(recommendations).where(eq(recommendations.id, rec!.id));
      return r?.requestedRunAt ? r : undefined;
    });
    expect(row).toMatchObject({
      requestedRunAt: new Date('2026-11-24T14:00:00Z'),
      requestedPriority: 200,
      requestedBy: 'U0BOB',
    });
  });

  it('/spot status stays within Slack limits with thousands queued', async () => {
    const base = {
      accountId,
      region: 'us-east-1',
      executor: 'release-elastic-ip',
      params: { allocationId: 'eipalloc-x' },
      requestedBy: 'system',
      dryRun: true,
      status: 'approved' as const,
    };
    const now = t.clock.now().getTime();
    await t.db.db.insert(executions).values(
      Array.from({ length: 3000 }, (_, i) => ({
        ...base,
        priority: [10, 50, 100, 200][i % 4]!,
        scheduledFor: new Date(now + (i % 3 === 0 ? 3_600_000 : -60_000)),
      })),
    );
    const status = await t.commandReply('status', BOB);
    expect(status.text).toBe('Execution queue: 0 running, 2000 queued, 1000 scheduled later');
    expect(checkMessage({ text: status.text, blocks: status.blocks! })).toEqual([]);
    expect(allText(status)).toContain('…and 1990 more');
    expect(allText(status)).toMatch(/Queued by priority: 500 critical · 500 high · 500 medium · 500 low/);
  });
});
