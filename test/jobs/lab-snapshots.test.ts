// The lab snapshot schedule: a fresh AMI of the instance each lab line runs on now (after any
// emergency replacement), tagged for the emergency path, keeping the newest two.
import {
  CreateImageCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executions, interruptionResponses } from '../../src/db/schema.js';
import type { Deps } from '../../src/deps.js';
import { snapshotLabInstances } from '../../src/jobs/lab-snapshots.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { mockedAccess } from '../scanners/helpers.js';

const ec2 = mockClient(EC2Client);
let t: TestDatabase;

beforeEach(async () => {
  ec2.reset();
  t = await createTestDatabase();
});
afterEach(() => t.destroy());

describe('the lab snapshot schedule', () => {
  it('images the current instance of each moved lab line and prunes all but the newest two', async () => {
    const account = await verifiedAccount(t.db);
    await t.db.insert(executions).values({
      accountId: account.id,
      region: 'us-east-1',
      executor: 'spot-lab-switch',
      params: { instanceId: 'i-0old' },
      undo: { cloneId: 'i-0clone', imageId: 'ami-move', oldInstanceId: 'i-0old' },
      requestedBy: 'U0BOB',
      dryRun: false,
      status: 'succeeded',
    });
    // An interruption replaced the clone since: the line now runs on i-0next.
    await t.db.insert(interruptionResponses).values({
      accountId: account.id,
      region: 'us-east-1',
      instanceId: 'i-0clone',
      eventId: 'evt-1',
      event: 'interruption',
      target: 'lab',
      action: 'replace',
      status: 'replaced',
      replacementId: 'i-0next',
      warnedAt: new Date('2026-11-20T00:00:00Z'),
      readAt: new Date('2026-11-20T00:00:01Z'),
    });
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [{ Instances: [{ InstanceId: 'i-0next', State: { Name: 'running', Code: 16 } }] }],
    });
    ec2.on(CreateImageCommand).resolves({ ImageId: 'ami-new' });
    ec2.on(DescribeImagesCommand).resolves({
      Images: [
        { ImageId: 'ami-new', CreationDate: '2026-12-02T03:00:00.000Z' },
        {
          ImageId: 'ami-old2',
          CreationDate: '2026-11-01T03:00:00.000Z',
          BlockDeviceMappings: [{ Ebs: { SnapshotId: 'snap-old2' } }],
        },
        { ImageId: 'ami-mid', CreationDate: '2026-12-01T03:00:00.000Z' },
      ],
    });
    ec2.on(DeregisterImageCommand).resolves({});
    ec2.on(DeleteSnapshotCommand).resolves({});
    const deps = {
      db: t.db,
      clock: new ManualClock('2026-12-02T03:00:00Z'),
      log: silentLogger,
      config: { DRY_RUN: false },
      awsFor: () => mockedAccess(),
    } as unknown as Deps;

    expect(await snapshotLabInstances(deps)).toEqual({ imaged: 1, pruned: 1, failed: 0 });
    const create = ec2.commandCalls(CreateImageCommand)[0]!.args[0].input;
    expect(create).toMatchObject({ InstanceId: 'i-0next', NoReboot: true });
    expect(create.TagSpecifications?.[0]?.Tags).toContainEqual({
      Key: 'spotops:source-instance',
      Value: 'i-0next',
    });
    expect(ec2.commandCalls(DeregisterImageCommand).map((c) => c.args[0].input.ImageId)).toEqual([
      'ami-old2',
    ]);
    expect(ec2.commandCalls(DeleteSnapshotCommand).map((c) => c.args[0].input.SnapshotId)).toEqual([
      'snap-old2',
    ]);

    // While DRY_RUN is on, the schedule changes nothing.
    ec2.resetHistory();
    const dry = { ...deps, config: { DRY_RUN: true } } as unknown as Deps;
    expect(await snapshotLabInstances(dry)).toEqual({ imaged: 0, pruned: 0, failed: 0 });
    expect(ec2.calls()).toHaveLength(0);
  });
});
