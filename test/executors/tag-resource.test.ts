import {
  CreateTagsCommand,
  DeleteTagsCommand,
  DescribeTagsCommand,
  EC2Client,
  type TagDescription,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tagResource } from '../../src/executors/tag-resource.js';
import { allowDryRun, awsError, denyDryRun, liveMutations, makeContext } from './context.js';

const ec2 = mockClient(EC2Client);
const params = tagResource.params.parse({
  resourceIds: ['i-0abc', 'vol-1'],
  tags: { Owner: 'alice', ManagedBy: 'SpotOptimizer' },
});
const existing: TagDescription[] = [
  { ResourceId: 'i-0abc', ResourceType: 'instance', Key: 'Owner', Value: 'bob' },
  { ResourceId: 'i-0abc', ResourceType: 'instance', Key: 'Name', Value: 'box' },
];

beforeEach(() => {
  ec2.reset();
  ec2.on(DescribeTagsCommand).resolves({ Tags: existing });
  allowDryRun(ec2, CreateTagsCommand, DeleteTagsCommand);
  ec2.on(CreateTagsCommand, { DryRun: false }).resolves({});
  ec2.on(DeleteTagsCommand, { DryRun: false }).resolves({});
});
afterEach(() => ec2.reset());

describe('tag-resource', () => {
  it('refuses reserved aws: keys and empty tag sets in its params', () => {
    expect(tagResource.params.safeParse({ resourceIds: ['i-1'], tags: { 'aws:x': 'y' } }).success).toBe(
      false,
    );
    expect(tagResource.params.safeParse({ resourceIds: ['i-1'], tags: {} }).success).toBe(false);
    expect(tagResource.describe(params)).toBe('Tag i-0abc, vol-1 with Owner=alice, ManagedBy=SpotOptimizer');
  });

  it('validates with a DryRun of the tagging', async () => {
    expect(await tagResource.validate(makeContext(), params)).toEqual({ ok: true });
  });

  it('calls resources that already carry the tags stale', async () => {
    ec2.on(DescribeTagsCommand).resolves({
      Tags: ['i-0abc', 'vol-1'].flatMap((ResourceId) => [
        { ResourceId, Key: 'Owner', Value: 'alice' },
        { ResourceId, Key: 'ManagedBy', Value: 'SpotOptimizer' },
      ]),
    });
    expect(await tagResource.validate(makeContext(), params)).toMatchObject({ ok: false, stale: true });
  });

  it('calls a vanished resource stale, as the DryRun reports it', async () => {
    ec2
      .on(CreateTagsCommand, { DryRun: true })
      .rejects(awsError('InvalidVolume.NotFound', "The volume 'vol-1' does not exist."));
    expect(await tagResource.validate(makeContext(), params)).toEqual({
      ok: false,
      stale: true,
      reason: "no longer exists: The volume 'vol-1' does not exist.",
    });
  });

  it('names ec2:CreateTags when the DryRun is unauthorized', async () => {
    denyDryRun(ec2, CreateTagsCommand);
    expect(await tagResource.validate(makeContext(), params)).toEqual({
      ok: false,
      reason: 'the role lacks ec2:CreateTags',
    });
  });

  it('sends only a DryRun in dry-run mode', async () => {
    const result = await tagResource.execute(makeContext({ dryRun: true }), params);
    expect(result.summary).toMatch(/^Would have tagged .* \(dry run\)$/);
    expect(liveMutations(ec2)).toEqual([]);
  });

  it('records the previous value of each tag, or its absence, then tags', async () => {
    const result = await tagResource.execute(makeContext(), params);
    expect(result.undo).toEqual({
      previous: {
        'i-0abc': { Owner: 'bob', ManagedBy: null },
        'vol-1': { Owner: null, ManagedBy: null },
      },
    });
    expect(liveMutations(ec2)).toEqual([
      {
        name: 'CreateTags',
        input: {
          Resources: ['i-0abc', 'vol-1'],
          Tags: [
            { Key: 'Owner', Value: 'alice' },
            { Key: 'ManagedBy', Value: 'SpotOptimizer' },
          ],
          DryRun: false,
        },
      },
    ]);
  });

  it('rolls back by restoring previous values and deleting tags that were absent', async () => {
    const summary = await tagResource.rollback?.(makeContext(), params, {
      previous: {
        'i-0abc': { Owner: 'bob', ManagedBy: null },
        'vol-1': { Owner: null, ManagedBy: null },
      },
    });
    expect(summary).toBe('Restored the previous tags of i-0abc, vol-1');
    expect(liveMutations(ec2).map((c) => [c.name, c.input.Resources, c.input.Tags])).toEqual([
      ['CreateTags', ['i-0abc'], [{ Key: 'Owner', Value: 'bob' }]],
      ['DeleteTags', ['i-0abc'], [{ Key: 'ManagedBy' }]],
      ['DeleteTags', ['vol-1'], [{ Key: 'Owner' }, { Key: 'ManagedBy' }]],
    ]);
  });

  it('verifies every resource carries every tag', async () => {
    expect(await tagResource.verify?.(makeContext(), params)).toEqual({
      ok: false,
      reason: 'i-0abc, vol-1 lack Owner=alice, ManagedBy=SpotOptimizer',
    });
  });
});
