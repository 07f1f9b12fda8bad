// Roll back from the card, and the takeover of an execution whose worker died mid-step.
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  type Volume,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executionSteps, executions, recommendations } from '../../src/db/schema.js';
import { approveRecommendation } from '../../src/engine/approval.js';
import { publishScanResults } from '../../src/engine/publish.js';
import type { ManualClock } from '../../src/lib/clock.js';
import { ACTIONS } from '../../src/slack/ids.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { buttonClick, startTestApp, type TestApp } from '../helpers/app.js';

const ec2 = mockClient(EC2Client);
const dryRunOk = () =>
  Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), {
    name: 'DryRunOperation',
  });

function volumes() {
  const vols = new Map<string, Volume>([
    [
      'vol-0old',
      {
        VolumeId: 'vol-0old',
        Size: 100,
        VolumeType: 'gp2',
        AvailabilityZone: 'us-east-1a',
        State: 'available',
        Attachments: [],
        Tags: [{ Key: 'team', Value: 'data' }],
      },
    ],
  ]);
  ec2.on(DescribeVolumesCommand).callsFake(async (input) => ({
    Volumes: (input.VolumeIds as string[]).flatMap((id) => (vols.has(id) ? [vols.get(id)!] : [])),
  }));
  ec2.on(CreateSnapshotCommand).callsFake(async (input) => {
    if (input.DryRun) throw dryRunOk();
    return { SnapshotId: 'snap-0backup', VolumeId: input.VolumeId, State: 'pending' };
  });
  ec2
    .on(DescribeSnapshotsCommand)
    .resolves({ Snapshots: [{ SnapshotId: 'snap-0backup', State: 'completed', Progress: '100%' }] });
  ec2.on(DeleteVolumeCommand).callsFake(async (input) => {
    if (input.DryRun) throw dryRunOk();
    vols.delete(input.VolumeId);
    return {};
  });
  ec2.on(CreateVolumeCommand).callsFake(async (input) => {
    if (input.DryRun) throw dryRunOk();
    vols.set('vol-0new', {
      VolumeId: 'vol-0new',
      Size: input.Size,
      VolumeType: input.VolumeType,
      AvailabilityZone: input.AvailabilityZone,
      State: 'available',
    });
    return { VolumeId: 'vol-0new' };
  });
  return vols;
}

describe('rolling back and recovering', () => {
  let t: TestApp;
  beforeEach(async () => {
    ec2.reset();
    t = await startTestApp({ env: { DRY_RUN: 'false' } });
  });
  afterEach(() => t.stop());

  async function volumeCard() {
    const account = await verifiedAccount(t.db.db);
    const [rec] = await t.db.db
      .insert(recommendations)
      .values({
        fingerprint: 'vol',
        kind: 'unattached-ebs-volumes',
        executor: 'delete-ebs-volume',
        accountId: account.id,
        region: 'us-east-1',
        resourceId: 'vol-0old',
        title: 'EBS volume vol-0old (100 GiB gp2) unattached for 9 days',
        params: { volumeId: 'vol-0old' },
        evidence: {
          sizeGiB: 100,
          volumeType: 'gp2',
          availabilityZone: 'us-east-1a',
          unattachedSince: '2026-11-15T00:00:00Z',
          unattachedSinceSource: 'first-seen-by-spotops',
        },
        monthlySavingsUsd: 10,
      })
      .returning();
    await publishScanResults(t.deps);
    await t.deliverOutbox();
    return (await t.db.db.select().from(recommendations).where(eq(recommendations.id, rec!.id)))[0]!;
  }

  it('restores a deleted volume from its snapshot when an approver presses Roll back', async () => {
    const vols = volumes();
    const rec = await volumeCard();
    await approveRecommendation(t.deps, null, rec.id, 'U0BOB');
    await t.worker.kick();
    await t.deliverOutbox();
    const [exec] = await t.db.db.select().from(executions);
    expect(exec).toMatchObject({ status: 'succeeded', undo: { snapshotId: 'snap-0backup' } });
    expect(vols.has('vol-0old')).toBe(false);
    const card = t.slack.messages.find((m) => m.ts === rec.slackTs)!;
    expect(JSON.stringify(card.blocks)).toContain(ACTIONS.rollback);

    await t.interact(
      buttonClick(ACTIONS.rollback, String(exec!.id), { user: 'U0BOB', messageTs: rec.slackTs! }),
    );
    await t.slack.waitFor(async () => (await t.db.db.select().from(executions))[0]!.status === 'rolled_back');
    await t.deliverOutbox();
    expect(vols.get('vol-0new')).toMatchObject({
      Size: 100,
      VolumeType: 'gp2',
      AvailabilityZone: 'us-east-1a',
    });
    const thread = t.slack.thread(rec.slackTs!).map((m) => m.text);
    expect(thread.at(-1)).toMatch(/^Rolled back: Restored vol-0old as vol-0new from snap-0backup/);
    expect((await t.db.db.select().from(recommendations))[0]!.status).toBe('rolled_back');
    await t.slack.waitFor(() =>
      JSON.stringify(t.slack.messages.find((m) => m.ts === rec.slackTs)!.blocks).includes(
        'rolled back by <@U0BOB>',
      ),
    );
  });

  it('waits out the lease of a worker that died mid-step, then resumes without repeating the backup', async () => {
    const vols = volumes();
    // The backup the dead worker made, found by its step tags.
    ec2.on(DescribeSnapshotsCommand, { OwnerIds: ['self'] }).resolves({
      Snapshots: [
        {
          SnapshotId: 'snap-0backup',
          State: 'completed',
          Tags: [
            { Key: 'team', Value: 'data' },
            {
              Key: 'spotops:volume-shape',
              Value: JSON.stringify({ availabilityZone: 'us-east-1a', volumeType: 'gp2', sizeGiB: 100 }),
            },
          ],
        },
      ],
    });
    const rec = await volumeCard();
    await approveRecommendation(t.deps, null, rec.id, 'U0BOB');
    const [queued] = await t.db.db.select().from(executions);
    // A worker validated it, started the backup step and died (kill -9): its lease runs out.
    const now = t.clock.now();
    await t.db.db
      .update(executions)
      .set({
        status: 'executing',
        startedAt: now,
        leaseOwner: 'dead-worker',
        leaseExpiresAt: new Date(now.getTime() + 15_000),
      })
      .where(eq(executions.id, queued!.id));
    await t.db.db.insert(executionSteps).values([
      {
        executionId: queued!.id,
        name: 'validate',
        status: 'done',
        owner: 'dead-worker',
        output: { ok: true },
      },
      { executionId: queued!.id, name: 'snapshot', status: 'running', owner: 'dead-worker' },
    ]);
    await t.worker.kick();
    expect((await t.db.db.select().from(executions))[0]!.status).toBe('executing'); // its lease still holds
    (t.clock as ManualClock).advance(16_000);
    await t.worker.kick();
    await t.deliverOutbox();
    expect((await t.db.db.select().from(executions))[0]).toMatchObject({
      status: 'succeeded',
      undo: { snapshotId: 'snap-0backup' },
    });
    expect(vols.has('vol-0old')).toBe(false);
    const live = ec2.calls().filter((c) => (c.args[0].input as { DryRun?: boolean }).DryRun !== true);
    expect(live.filter((c) => c.args[0] instanceof CreateSnapshotCommand)).toHaveLength(0);
    expect(live.filter((c) => c.args[0] instanceof DeleteVolumeCommand)).toHaveLength(1);
    const thread = t.slack.thread(rec.slackTs!).map((m) => m.text);
    const at = (re: RegExp) => thread.findIndex((line) => re.test(line ?? ''));
    expect(
      at(/stopped responding during the step snapshot; another worker took over: resuming/),
    ).toBeGreaterThan(-1);
    expect(at(/Found the backup snap-0backup of vol-0old made before the restart/)).toBeGreaterThan(
      at(/another worker took over/),
    );
    expect(at(/^Deleted vol-0old .*snap-0backup/)).toBeGreaterThan(at(/Found the backup/));
  });
});
