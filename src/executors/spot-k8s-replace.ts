// spot-k8s-replace: replaces the On-Demand nodes of an EKS node group with Spot nodes, one at a
// time, with Kubernetes in the loop: launch a Spot clone from the node group's ASG launch template
// -> wait healthy -> attach it to the ASG (desired N -> N+1) -> wait InService and until its Node is
// Ready -> cordon the old node -> drain it through the Eviction API (PDB-aware) -> detach the old
// instance with decrement (N+1 -> N) -> terminate it. Auto Scaling has no DryRun and neither do
// cordon and eviction here: in dry-run mode only the EC2 DryRuns are sent and the pods that would
// be evicted are listed. No rollback: the old instances are terminated.
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import type { EKSClient, Nodegroup } from '@aws-sdk/client-eks';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { z } from 'zod';
import { attach, detach, findGroup, setMaxSize, waitDetached, waitInService } from '../aws/asg.js';
import {
  type ClonePlan,
  type CloneTarget,
  checkClonePlan,
  cloneInput,
  isClonePlan,
  planClones,
  rehearseClones,
  verifyGroupSwapped,
} from '../aws/asg-clone.js';
import { eksSdk } from '../aws/sdk.js';
import { formatPrice, launchOne, terminate, waitHealthy } from '../aws/spot-launch.js';
import { attempting, guardValidation, OK, stale } from '../aws/verdicts.js';
import { connectCluster, isEksNotFound, type KubeConfigFactory } from '../k8s/client.js';
import { type DrainTiming, drainPlan, evictAndWait, podRef } from '../k8s/drain.js';
import type { EksTokenCache } from '../k8s/eks-token.js';
import { cordon, listNodes, nodeName, nodeOfInstance, uncordon, waitNodeReady } from '../k8s/nodes.js';
import { awsErrorCode, describeError, PermissionError } from '../lib/errors.js';
import { checkDrainAccess, checkDrainReadiness, drainOverrides } from './shared/drain-safety.js';
import { checkGroupPreflight, GROUP_PREFLIGHT_PERMISSIONS } from './shared/group-preflight.js';
import type { Executor, ExecutorContext, Verdict } from './types.js';

const params = z.object({
  cluster: z.string().min(1),
  nodegroup: z.string().min(1),
  /** The node group's Auto Scaling group (nodegroup.resources.autoScalingGroups). */
  groupName: z.string().min(1),
  instanceType: z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, 'an instance type such as m5.large'),
  /** USD per hour; the recommendation caps it at the On-Demand price. */
  maxPrice: z.number().positive(),
  /** Readiness reasons an approver accepted, each with a justification (shared/drain-safety.ts). */
  overrides: drainOverrides,
});
export type SpotK8sReplaceParams = z.infer<typeof params>;

export interface NodeReplacement {
  oldInstanceId: string;
  oldNode: string;
  cloneId: string;
  newNode: string;
  evicted: string[];
}
export interface SpotK8sReplaceUndo {
  replacements: NodeReplacement[];
}

/**
 * What the executor needs beyond ExecutorContext to reach Kubernetes. Production leaves it out
 * (real EKS endpoint, TLS, process-wide token cache); tests point `config` at a fake API server.
 */
export interface KubeSeam {
  kube?: { config?: KubeConfigFactory; tokens?: EksTokenCache; drain?: Partial<DrainTiming> };
}
type Ctx = ExecutorContext & KubeSeam;

interface Target extends CloneTarget {
  node: string;
}

interface Plan extends ClonePlan<Target> {
  api: CoreV1Api;
}

const isPlan = isClonePlan<Plan>;

async function describeNodegroup(
  eks: EKSClient,
  cluster: string,
  name: string,
): Promise<Nodegroup | undefined> {
  try {
    return (
      await eks.send(new eksSdk.DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: name }))
    ).nodegroup;
  } catch (err) {
    if (isEksNotFound(err)) return undefined;
    const code = awsErrorCode(err);
    if (code === 'AccessDeniedException' || code === 'AccessDenied')
      throw new PermissionError('eks:DescribeNodegroup', undefined, { cause: err });
    throw new Error(`describing the node group ${name} of ${cluster}`, { cause: err });
  }
}

const connect = (ctx: Ctx, p: SpotK8sReplaceParams) =>
  connectCluster(ctx.aws, ctx.region, p.cluster, { kubeConfig: ctx.kube?.config, tokens: ctx.kube?.tokens });

/** What the replacement would do now, or why it cannot (stale: the world moved on). */
async function plan(ctx: Ctx, p: SpotK8sReplaceParams): Promise<Plan | Verdict> {
  const ng = await describeNodegroup(ctx.aws.eks(ctx.region), p.cluster, p.nodegroup);
  if (!ng) return stale(`the node group ${p.nodegroup} of ${p.cluster} no longer exists`);
  if (ng.status !== 'ACTIVE') return stale(`the node group ${p.nodegroup} is ${ng.status}, not ACTIVE`);
  if (ng.capacityType !== 'ON_DEMAND')
    return stale(`the node group ${p.nodegroup} has capacity type ${ng.capacityType}, not ON_DEMAND`);
  const groups = ng.resources?.autoScalingGroups?.map((g) => g.name) ?? [];
  if (!groups.includes(p.groupName))
    return {
      ok: false,
      reason: `${p.groupName} is not the Auto Scaling group of the node group ${p.nodegroup}`,
    };

  const clones = await planClones(ctx, p.groupName, p.instanceType);
  if (!isClonePlan(clones)) return clones;

  // The cluster must answer with the role's token: the drain is not possible otherwise.
  const api = await connect(ctx, p);
  const nodes = await listNodes(api);
  const targets: Target[] = [];
  for (const t of clones.targets) {
    const node = nodes.find((n) => n.spec?.providerID?.endsWith(`/${t.instanceId}`));
    if (!node) return { ok: false, reason: `${t.instanceId} of ${p.groupName} has no Node in ${p.cluster}` };
    targets.push({ ...t, node: nodeName(node) });
  }
  return { ...clones, targets, api };
}

/** Best effort; says what happened either way. */
async function quietly(what: string, ctx: Ctx, step: () => Promise<unknown>): Promise<string> {
  try {
    await step();
    return what;
  } catch (err) {
    ctx.log.error({ err }, `${what} failed during compensation`);
    return `${what} FAILED (${describeError(err)}); do it by hand`;
  }
}

/** Replaces one old node. Throws with what was attempted and what was undone. */
async function replaceOne(
  ctx: Ctx,
  p: SpotK8sReplaceParams,
  plan: Plan,
  t: Target,
): Promise<NodeReplacement> {
  const asg: AutoScalingClient = ctx.aws.autoScaling(ctx.region);
  const ec2 = ctx.aws.ec2(ctx.region);
  const { api } = plan;
  const name = p.groupName;
  const old = t.instanceId;
  const fail = (step: string, undone: string[], cause: unknown) =>
    new Error(`replacing ${old} (${t.node}) in ${name} failed while ${step}; ${undone.join('; ')}`, {
      cause,
    });

  // 1. Launch the Spot clone and wait until it is healthy. Compensation: terminate it.
  let clone: string | undefined;
  let step = `launching a Spot clone of ${old}`;
  try {
    clone = await launchOne(ctx, ec2, cloneInput(plan, t, p.maxPrice));
    if (!clone) throw new Error('RunInstances answered without an instance id');
    await ctx.progress?.(`Launched ${clone} to replace ${old} (${t.node}) in ${name}.`);
    step = `waiting for ${clone} to become healthy`;
    await waitHealthy(ctx, ec2, clone);
  } catch (cause) {
    const id = clone;
    const undone = id
      ? await quietly(`terminated the clone ${id}`, ctx, () => terminate(ctx, ec2, [id]))
      : 'no clone was launched';
    throw fail(step, [undone, `${old} untouched`], cause);
  }
  const cloneId = clone;

  // 2. IMPORTANT: capacity never below desired, and a node is drained only after its replacement
  // is Ready. The clone joins the group (desired N -> N+1) and must be InService and a Ready Node
  // before the old node is cordoned; the old instance leaves with a decrement (N+1 -> N) only after
  // its pods are gone. MaxSize is raised for the overlap and restored.
  let raisedFrom: number | undefined;
  const restoreMax = async (): Promise<string | undefined> => {
    if (raisedFrom === undefined) return undefined;
    const from = raisedFrom;
    const done = await quietly(`restored the MaxSize of ${name} to ${from}`, ctx, () =>
      setMaxSize(ctx, asg, name, from),
    );
    raisedFrom = undefined;
    return done;
  };
  let attached = false;
  let cordoned = false;
  let newNode = '';
  let pods: V1Pod[] = [];
  try {
    step = `reading ${name}`;
    const group = await findGroup(asg, name);
    if (!group) throw new Error(`${name} no longer exists`);
    const desired = group.DesiredCapacity ?? 0;
    const max = group.MaxSize ?? 0;
    if (desired + 1 > max) {
      step = `raising the MaxSize of ${name} to ${desired + 1}`;
      await setMaxSize(ctx, asg, name, desired + 1);
      raisedFrom = max;
    }
    step = `attaching ${cloneId} to ${name}`;
    await attach(ctx, asg, name, [cloneId]);
    attached = true;
    step = `waiting for ${cloneId} to be InService in ${name}`;
    await waitInService(ctx, asg, name, [cloneId]);
    step = `waiting for ${cloneId} to join ${p.cluster} as a Ready node`;
    await ctx.progress?.(`${cloneId} is InService in ${name}; waiting for its node to be Ready...`);
    newNode = nodeName(await waitNodeReady(ctx, api, cloneId));
    step = `cordoning ${t.node}`;
    await cordon(ctx, api, t.node);
    cordoned = true;
    // Listed after the cordon, so nothing can be scheduled onto the node behind the list.
    step = `listing the pods on ${t.node}`;
    pods = (await drainPlan(api, t.node)).evict;
  } catch (cause) {
    // Compensation before the drain: the old node goes back to service, the clone leaves with a
    // decrement (desired back to N) and is terminated.
    const undone: string[] = [];
    if (cordoned) undone.push(await quietly(`uncordoned ${t.node}`, ctx, () => uncordon(ctx, api, t.node)));
    if (attached)
      undone.push(await quietly(`detached ${cloneId}`, ctx, () => detach(ctx, asg, name, [cloneId])));
    undone.push(await quietly(`terminated the clone ${cloneId}`, ctx, () => terminate(ctx, ec2, [cloneId])));
    const restored = await restoreMax();
    if (restored) undone.push(restored);
    throw fail(step, [...undone, `${old} untouched`], cause);
  }

  // 3. Drain the old node. Compensation: uncordon it and keep the new node (capacity is higher,
  // not lower); MaxSize stays raised while the group holds N+1.
  await ctx.progress?.(`${newNode} is Ready; cordoned ${t.node}, draining it...`);
  try {
    await evictAndWait(ctx, api, t.node, pods, ctx.kube?.drain);
  } catch (cause) {
    const undone = await quietly(`uncordoned ${t.node}`, ctx, () => uncordon(ctx, api, t.node));
    const kept = `kept ${cloneId} (${newNode}) in ${name}, which now has one more node than before${raisedFrom !== undefined ? ` (MaxSize left at ${raisedFrom + 1})` : ''}`;
    throw fail(`draining ${t.node}`, [undone, kept, `${old} is still running`], cause);
  }

  // 4. The old node is empty: it leaves the group with a decrement, then goes.
  await attempting(
    `detaching the drained ${old} from ${name} (it stays cordoned; detach and terminate it by hand)`,
    () => detach(ctx, asg, name, [old]),
  );
  const restored = await restoreMax();
  await attempting(`waiting for ${old} to leave ${name} (it is detached; terminate it by hand)`, () =>
    waitDetached(ctx, asg, name, [old]),
  );
  await attempting(`terminating ${old} (detached from ${name}; terminate it by hand)`, () =>
    terminate(ctx, ec2, [old]),
  );
  if (restored?.includes(' FAILED '))
    throw new Error(`replaced ${old} with ${cloneId} in ${name}, but ${restored}`);
  await ctx.progress?.(`Replaced ${old} (${t.node}) with ${cloneId} (${newNode}) in ${name}.`);
  return { oldInstanceId: old, oldNode: t.node, cloneId, newNode, evicted: pods.map(podRef) };
}

const listPods = (pods: string[]) => (pods.length > 0 ? pods.join(', ') : 'no pods');

export const spotK8sReplace: Executor<SpotK8sReplaceParams, SpotK8sReplaceUndo> = {
  kind: 'spot-k8s-replace',
  params,
  permissions: [
    'eks:DescribeNodegroup',
    'eks:DescribeCluster',
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:DescribeInstanceRefreshes',
    ...GROUP_PREFLIGHT_PERMISSIONS,
    'autoscaling:UpdateAutoScalingGroup',
    'autoscaling:AttachInstances',
    'autoscaling:DetachInstances',
    'ec2:DescribeInstances',
    'ec2:DescribeAvailabilityZones',
    'ec2:DescribeSubnets',
    'ec2:DescribeInstanceStatus',
    'ec2:RunInstances',
    'ec2:CreateTags',
    'iam:PassRole',
    'ec2:TerminateInstances',
  ],
  rollbackNote:
    'No rollback: the old On-Demand nodes are terminated once their pods have moved to the Spot nodes. The node group still launches On-Demand when it replaces nodes.',

  // Production workloads move to an interruptible market.
  risk: (_p, account) => (account.environment === 'PROD' ? 'CRITICAL' : 'MEDIUM'),

  describe: (p) =>
    `Replace the On-Demand nodes of ${p.cluster}/${p.nodegroup} with Spot nodes (${p.instanceType}, max ${formatPrice(p.maxPrice)}, one at a time, drained with PDBs respected)`,

  validate: (ctx: Ctx, p) =>
    guardValidation(async () => {
      // Kubernetes RBAC first: a missing verb refuses before any EC2 or Auto Scaling call.
      const access = await checkDrainAccess(ctx, p.cluster);
      if (!access.ok) return access;
      const planned = await plan(ctx, p);
      if (!isPlan(planned)) return planned;
      const group = await checkGroupPreflight(ctx, p.groupName);
      if (!group.ok) return group;
      const safe = await checkDrainReadiness(
        ctx,
        p.cluster,
        planned.targets.map((t) => t.node),
        p.overrides,
      );
      if (!safe.ok) return safe;
      return checkClonePlan(ctx, planned, p.maxPrice);
    }),

  async execute(ctx: Ctx, p) {
    const planned = await attempting(`planning the Spot replacement of ${p.cluster}/${p.nodegroup}`, () =>
      plan(ctx, p),
    );
    if (!isPlan(planned))
      throw new Error(
        `replacing the nodes of ${p.nodegroup} with Spot: ${(planned as { reason: string }).reason}`,
      );

    if (ctx.dryRun) {
      // EC2: DryRun only. Auto Scaling, cordon and eviction: nothing sent; the drain is listed.
      await rehearseClones(ctx, planned, p.maxPrice);
      const lines: string[] = [];
      for (const t of planned.targets) {
        const { evict } = await drainPlan(planned.api, t.node);
        lines.push(`${t.instanceId} (${t.node}: would evict ${listPods(evict.map(podRef))})`);
      }
      return {
        summary: `Would have replaced ${lines.join('; ')} with ${p.instanceType} Spot nodes in ${p.nodegroup} (dry run)`,
      };
    }

    const done: NodeReplacement[] = [];
    for (const t of planned.targets) {
      try {
        done.push(await replaceOne(ctx, p, planned, t));
      } catch (err) {
        if (done.length === 0) throw err;
        throw new Error(
          `already replaced ${done.map((r) => `${r.oldInstanceId} -> ${r.cloneId}`).join(', ')}; then`,
          {
            cause: err,
          },
        );
      }
    }
    return {
      summary: `Replaced ${done.length} On-Demand node${done.length > 1 ? 's' : ''} of ${p.cluster}/${p.nodegroup} with Spot: ${done
        .map(
          (r) =>
            `${r.oldNode} -> ${r.newNode} (${r.evicted.length} pod${r.evicted.length === 1 ? '' : 's'} moved)`,
        )
        .join(', ')}`,
      undo: { replacements: done },
    };
  },

  async verify(ctx: Ctx, p) {
    const swapped = await verifyGroupSwapped(ctx, p.groupName);
    if (!swapped.ok) return swapped;
    const { replaced } = swapped;
    const api = await connect(ctx, p);
    for (const old of replaced) {
      const node = await nodeOfInstance(api, old);
      if (!node) continue;
      const { evict } = await drainPlan(api, nodeName(node));
      if (evict.length > 0)
        return { ok: false, reason: `${listPods(evict.map(podRef))} still on ${nodeName(node)} (${old})` };
    }
    return OK;
  },
};
