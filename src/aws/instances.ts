// Instance building blocks shared by the executors: stop / start / change type through the
// dry-run primitive, each waiting for the state it asked for, and the checks that decide whether
// an instance is still a fair target (gone? now authorised?).
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';
import { type AuthorizingTag, findAuthorizingTag } from './authorizing-tags.js';
import { type MutationContext, mutateEc2 } from './dry-run.js';
import { tagMap } from './paginate.js';
import { ec2Sdk } from './sdk.js';
import { type WaitContext, waitInstanceRunning, waitInstanceStopped } from './waiters.js';

type Ctx = MutationContext & WaitContext & { progress?: (message: string) => Promise<void> };

/** Terminated or on its way there: nothing left to act on. */
export function isGone(instance: Instance | undefined): boolean {
  const state = instance?.State?.Name;
  return !instance || state === 'terminated' || state === 'shutting-down';
}

/**
 * For Shadow IT (`requireUnauthorized`): the reason the instance is no longer a target because it
 * now carries an authorising tag, or undefined.
 */
export function nowAuthorized(
  instance: Instance,
  opts: { requireUnauthorized?: boolean; authorizingTags?: readonly AuthorizingTag[] },
): string | undefined {
  if (!opts.requireUnauthorized) return undefined;
  const tag = findAuthorizingTag(tagMap(instance.Tags), opts.authorizingTags);
  return tag ? `${instance.InstanceId} now carries the authorising tag ${tag}` : undefined;
}

/** StopInstances, then wait until stopped. Returns false in dry-run mode (only the DryRun was sent). */
export async function stopAndWait(ctx: Ctx, ec2: EC2Client, instanceId: string): Promise<boolean> {
  const res = await mutateEc2(ctx, 'ec2:StopInstances', (dryRun) =>
    ec2.send(new ec2Sdk.StopInstancesCommand({ InstanceIds: [instanceId], DryRun: dryRun })),
  );
  if (res.dryRun) return false;
  await ctx.progress?.(`Waiting for ${instanceId} to stop...`);
  await waitInstanceStopped(ctx, ec2, instanceId);
  return true;
}

/** StartInstances, then wait until running. Returns false in dry-run mode. */
export async function startAndWait(ctx: Ctx, ec2: EC2Client, instanceId: string): Promise<boolean> {
  const res = await mutateEc2(ctx, 'ec2:StartInstances', (dryRun) =>
    ec2.send(new ec2Sdk.StartInstancesCommand({ InstanceIds: [instanceId], DryRun: dryRun })),
  );
  if (res.dryRun) return false;
  await ctx.progress?.(`Waiting for ${instanceId} to run...`);
  await waitInstanceRunning(ctx, ec2, instanceId);
  return true;
}

/** ModifyInstanceAttribute InstanceType (the instance must be stopped). Returns false in dry-run mode. */
export async function setInstanceType(
  ctx: Ctx,
  ec2: EC2Client,
  instanceId: string,
  instanceType: string,
): Promise<boolean> {
  const res = await mutateEc2(ctx, 'ec2:ModifyInstanceAttribute', (dryRun) =>
    ec2.send(
      new ec2Sdk.ModifyInstanceAttributeCommand({
        InstanceId: instanceId,
        InstanceType: { Value: instanceType },
        DryRun: dryRun,
      }),
    ),
  );
  return !res.dryRun;
}
