// Finds what `/spot evaluate` was pointed at, in the named account and region or by looking
// through the verified accounts' regions: the instance types, AZs and On-Demand count that the
// price and risk comparison needs.
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { Instance } from '@aws-sdk/client-ec2';
import { requireAccount, verifiedAccounts } from '../accounts/store.js';
import type { AccountAccess } from '../aws/clients.js';
import { tagMap } from '../aws/paginate.js';
import { autoScalingSdk, ec2Sdk, eksSdk } from '../aws/sdk.js';
import type { Account } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { awsErrorCode, UserError } from '../lib/errors.js';
import { mapLimit } from '../lib/retry.js';
import type { EvaluateRequest, SpotTarget } from './target.js';

export interface LocatedTarget {
  account: Account;
  region: string;
  target: SpotTarget;
  /** Instance types in use (the first is the one to price). */
  instanceTypes: string[];
  /** On-Demand instances that would move. */
  onDemandCount: number;
  /** AZ names where the capacity may live (the instance's own AZ in lab mode). */
  azNames: string[];
  /** Lab mode: the instance itself. */
  instance?: {
    id: string;
    name?: string;
    type: string;
    azName: string;
    lifecycle: string;
    platform?: string;
    tags: Record<string, string>;
  };
  /** ASG / node group name (node groups are backed by an ASG). */
  groupName?: string;
  /** ASG / node group: the On-Demand InService instances that would move. */
  onDemandInstanceIds?: string[];
  /** Why the target cannot move at all (already Spot, Windows, ...). */
  blocker?: string;
}

const NOT_FOUND = new Set([
  'InvalidInstanceID.NotFound',
  'InvalidInstanceID.Malformed',
  'ResourceNotFoundException',
  'ValidationError',
]);

/** The (account, region) pairs to look in, most specific first. */
async function scopes(deps: Deps, req: EvaluateRequest): Promise<{ account: Account; region: string }[]> {
  const accounts = req.account
    ? [await requireAccount(deps.db, req.account)]
    : await verifiedAccounts(deps.db);
  if (accounts.length === 0)
    throw new UserError('No AWS account is connected yet: start with `/spot connect <name>`.');
  const pending = accounts.find((a) => a.status !== 'verified');
  if (pending)
    throw new UserError(`${pending.name} is not verified yet: \`/spot verify ${pending.name} <role-arn>\`.`);
  return accounts.flatMap((account) =>
    (req.region ? [req.region] : account.regions).map((region) => ({ account, region })),
  );
}

export async function locateTarget(deps: Deps, req: EvaluateRequest): Promise<LocatedTarget> {
  const where = await scopes(deps, req);
  const denied: string[] = [];
  const found = await mapLimit(where, 4, async ({ account, region }) => {
    const aws = deps.awsFor(account);
    try {
      return await locateIn(aws, account, region, req.target);
    } catch (err) {
      if (NOT_FOUND.has(awsErrorCode(err) ?? '')) return undefined;
      if (err instanceof UserError) throw err;
      if (/AccessDenied|UnauthorizedOperation/.test(awsErrorCode(err) ?? '')) {
        denied.push(`${account.name}/${region}`);
        return undefined;
      }
      throw new Error(`looking for ${describeTarget(req.target)} in ${account.name} ${region}`, {
        cause: err,
      });
    }
  });
  const hit = found.find((f): f is LocatedTarget => f !== undefined);
  if (hit) return hit;
  const searched = where.map((w) => `${w.account.name}/${w.region}`).join(', ');
  throw new UserError(
    `I could not find ${describeTarget(req.target)} in ${searched}.${denied.length ? ` The role was refused in ${denied.join(', ')}.` : ''} ` +
      'Name the account and region: `/spot evaluate <target> @account in <region>`.',
  );
}

export function describeTarget(t: SpotTarget): string {
  return t.mode === 'lab'
    ? t.instanceId
    : t.mode === 'asg'
      ? `Auto Scaling group ${t.groupName}`
      : `EKS node group ${t.cluster}/${t.nodegroup}`;
}

async function locateIn(
  aws: AccountAccess,
  account: Account,
  region: string,
  target: SpotTarget,
): Promise<LocatedTarget | undefined> {
  if (target.mode === 'lab') {
    const out = await aws
      .ec2(region)
      .send(new ec2Sdk.DescribeInstancesCommand({ InstanceIds: [target.instanceId] }));
    const inst = out.Reservations?.flatMap((r) => r.Instances ?? []).find(
      (i) => i.InstanceId === target.instanceId,
    );
    if (!inst) return undefined;
    return fromInstance(account, region, target, inst);
  }
  if (target.mode === 'asg') {
    const group = await describeGroup(aws, region, target.groupName);
    if (!group) return undefined;
    return fromGroup(aws, account, region, target, group);
  }
  const ng = await aws
    .eks(region)
    .send(
      new eksSdk.DescribeNodegroupCommand({ clusterName: target.cluster, nodegroupName: target.nodegroup }),
    );
  const nodegroup = ng.nodegroup;
  if (!nodegroup) return undefined;
  const asgName = nodegroup.resources?.autoScalingGroups?.[0]?.name;
  const group = asgName ? await describeGroup(aws, region, asgName) : undefined;
  const located = group
    ? await fromGroup(aws, account, region, target, group)
    : {
        account,
        region,
        target,
        instanceTypes: nodegroup.instanceTypes ?? [],
        onDemandCount: 0,
        azNames: [],
      };
  if (nodegroup.capacityType === 'SPOT') located.blocker = 'the node group already runs on Spot';
  if (nodegroup.instanceTypes?.length) located.instanceTypes = nodegroup.instanceTypes;
  return located;
}

async function describeGroup(
  aws: AccountAccess,
  region: string,
  name: string,
): Promise<AutoScalingGroup | undefined> {
  const out = await aws
    .autoScaling(region)
    .send(new autoScalingSdk.DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  return out.AutoScalingGroups?.[0];
}

function fromInstance(account: Account, region: string, target: SpotTarget, inst: Instance): LocatedTarget {
  const tags = tagMap(inst.Tags);
  const type = inst.InstanceType ?? '?';
  const azName = inst.Placement?.AvailabilityZone ?? '';
  const lifecycle = inst.InstanceLifecycle ?? 'on-demand';
  let blocker: string | undefined;
  if (lifecycle === 'spot') blocker = 'it already runs on Spot';
  else if (inst.State?.Name !== 'running' && inst.State?.Name !== 'stopped')
    blocker = `it is ${inst.State?.Name}`;
  else if (inst.Platform === 'Windows')
    blocker = 'Windows instances are not priced by spotops yet (Linux only)';
  else if (tags['aws:autoscaling:groupName'])
    blocker = `it belongs to Auto Scaling group ${tags['aws:autoscaling:groupName']}: evaluate \`asg:${tags['aws:autoscaling:groupName']}\``;
  return {
    account,
    region,
    target,
    instanceTypes: [type],
    onDemandCount: lifecycle === 'spot' ? 0 : 1,
    azNames: azName ? [azName] : [],
    instance: {
      id: inst.InstanceId!,
      name: tags.Name,
      type,
      azName,
      lifecycle,
      platform: inst.Platform,
      tags,
    },
    blocker,
  };
}

async function fromGroup(
  aws: AccountAccess,
  account: Account,
  region: string,
  target: SpotTarget,
  group: AutoScalingGroup,
): Promise<LocatedTarget> {
  const ids = (group.Instances ?? [])
    .filter((i) => i.LifecycleState === 'InService')
    .map((i) => i.InstanceId!);
  const instances: Instance[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const out = await aws
      .ec2(region)
      .send(new ec2Sdk.DescribeInstancesCommand({ InstanceIds: ids.slice(i, i + 100) }));
    instances.push(...(out.Reservations?.flatMap((r) => r.Instances ?? []) ?? []));
  }
  const onDemand = instances.filter((i) => !i.InstanceLifecycle);
  const types = [
    ...new Set(
      [...onDemand, ...instances]
        .map((i) => i.InstanceType as string | undefined)
        .filter((t): t is string => !!t),
    ),
  ];
  const located: LocatedTarget = {
    account,
    region,
    target,
    instanceTypes: types,
    onDemandCount: onDemand.length,
    azNames: group.AvailabilityZones ?? [],
    groupName: group.AutoScalingGroupName,
    onDemandInstanceIds: onDemand.flatMap((i) => (i.InstanceId ? [i.InstanceId] : [])),
  };
  if (ids.length === 0) located.blocker = 'the group has no InService instances';
  else if (onDemand.length === 0) located.blocker = 'every InService instance already runs on Spot';
  return located;
}
