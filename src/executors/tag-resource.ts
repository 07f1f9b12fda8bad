// tag-resource: sets tags on EC2 resources (claim an instance for Shadow IT, mark ownership).
// Reversible: undo holds each tag's previous value (or its absence), rollback puts them back.
import { z } from 'zod';
import { mutateEc2 } from '../aws/dry-run.js';
import { tagsOf } from '../aws/ec2-lookup.js';
import { ec2Sdk } from '../aws/sdk.js';
import { attempting, dryRunCheck, guardValidation, OK, stale } from '../aws/verdicts.js';
import type { Executor } from './types.js';

const params = z.object({
  resourceIds: z.array(z.string().min(1)).min(1).max(1000),
  tags: z
    .record(z.string().min(1).max(128), z.string().max(256))
    .refine((t) => Object.keys(t).length > 0, 'at least one tag')
    .refine(
      (t) => Object.keys(t).every((k) => !k.startsWith('aws:')),
      'tag keys starting with aws: are reserved',
    ),
});
export type TagResourceParams = z.infer<typeof params>;
export interface TagResourceUndo {
  /** resourceId -> tag key -> its value before, or null when the tag was absent. */
  previous: Record<string, Record<string, string | null>>;
}

const tagList = (tags: Record<string, string>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
const tagText = (tags: Record<string, string>) =>
  Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

function missing(current: Record<string, Record<string, string>>, p: TagResourceParams): string[] {
  return p.resourceIds.filter((id) => Object.entries(p.tags).some(([k, v]) => current[id]?.[k] !== v));
}

export const tagResource: Executor<TagResourceParams, TagResourceUndo> = {
  kind: 'tag-resource',
  params,
  permissions: ['ec2:DescribeTags', 'ec2:CreateTags', 'ec2:DeleteTags'],

  risk: () => 'LOW',

  describe: (p) => `Tag ${p.resourceIds.join(', ')} with ${tagText(p.tags)}`,

  validate: (ctx, p) =>
    guardValidation(async () => {
      const ec2 = ctx.aws.ec2(ctx.region);
      const current = await tagsOf(ec2, p.resourceIds);
      if (missing(current, p).length === 0)
        return stale(`${p.resourceIds.join(', ')} already carry ${tagText(p.tags)}`);
      // The DryRun also tells us whether every resource still exists (InvalidXxx.NotFound).
      await dryRunCheck('ec2:CreateTags', () =>
        ec2.send(
          new ec2Sdk.CreateTagsCommand({ Resources: p.resourceIds, Tags: tagList(p.tags), DryRun: true }),
        ),
      );
      return OK;
    }),

  async execute(ctx, p) {
    const ec2 = ctx.aws.ec2(ctx.region);
    const current = await tagsOf(ec2, p.resourceIds);
    const previous: TagResourceUndo['previous'] = {};
    for (const id of p.resourceIds) {
      previous[id] = Object.fromEntries(Object.keys(p.tags).map((k) => [k, current[id]?.[k] ?? null]));
    }
    const res = await attempting(`tagging ${p.resourceIds.join(', ')}`, () =>
      mutateEc2(ctx, 'ec2:CreateTags', (dryRun) =>
        ec2.send(
          new ec2Sdk.CreateTagsCommand({ Resources: p.resourceIds, Tags: tagList(p.tags), DryRun: dryRun }),
        ),
      ),
    );
    if (res.dryRun)
      return { summary: `Would have tagged ${p.resourceIds.join(', ')} with ${tagText(p.tags)} (dry run)` };
    return { summary: `Tagged ${p.resourceIds.join(', ')} with ${tagText(p.tags)}`, undo: { previous } };
  },

  async verify(ctx, p) {
    const lacking = missing(await tagsOf(ctx.aws.ec2(ctx.region), p.resourceIds), p);
    return lacking.length === 0 ? OK : { ok: false, reason: `${lacking.join(', ')} lack ${tagText(p.tags)}` };
  },

  async rollback(ctx, p, undo) {
    const ec2 = ctx.aws.ec2(ctx.region);
    for (const id of p.resourceIds) {
      const before = undo.previous[id] ?? {};
      const restore: Record<string, string> = {};
      const remove: string[] = [];
      for (const [key, value] of Object.entries(before)) {
        if (value === null) remove.push(key);
        else restore[key] = value;
      }
      if (Object.keys(restore).length > 0) {
        await attempting(`restoring the previous tags of ${id}`, () =>
          mutateEc2(ctx, 'ec2:CreateTags', (dryRun) =>
            ec2.send(
              new ec2Sdk.CreateTagsCommand({ Resources: [id], Tags: tagList(restore), DryRun: dryRun }),
            ),
          ),
        );
      }
      if (remove.length > 0) {
        // A tag without Value deletes the key whatever its value is now.
        await attempting(`removing the added tags from ${id}`, () =>
          mutateEc2(ctx, 'ec2:DeleteTags', (dryRun) =>
            ec2.send(
              new ec2Sdk.DeleteTagsCommand({
                Resources: [id],
                Tags: remove.map((Key) => ({ Key })),
                DryRun: dryRun,
              }),
            ),
          ),
        );
      }
    }
    const what = `the previous tags of ${p.resourceIds.join(', ')}`;
    return ctx.dryRun ? `Would have restored ${what} (dry run)` : `Restored ${what}`;
  },
};
