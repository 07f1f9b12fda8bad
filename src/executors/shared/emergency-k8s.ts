// Emergency response for an EKS node AWS is about to reclaim: scale the node group out by one at
// once (UpdateNodegroupConfig: the replacement node is requested first), cordon the node and drain
// it through the Eviction API (PodDisruptionBudgets respected) within the time the notice leaves,
// then, once the new instance is InService, detach the warned one from the node group's Auto
// Scaling group with decrement so the group is back to its size. A drain the deadline cuts short
// is reported, not retried: AWS takes the node at the deadline either way.
import { detach, findGroup, inService } from '../../aws/asg.js';
import { mutateWithoutDryRun } from '../../aws/dry-run.js';
import { eksSdk } from '../../aws/sdk.js';
import { pollUntil } from '../../aws/spot-waiters.js';
import { connectCluster, type KubeConfigFactory } from '../../k8s/client.js';
import { DEFAULT_DRAIN, type DrainTiming, drainNode } from '../../k8s/drain.js';
import type { EksTokenCache } from '../../k8s/eks-token.js';
import { cordon, nodeName, nodeOfInstance } from '../../k8s/nodes.js';
import { describeError } from '../../lib/errors.js';
import { step } from '../steps.js';
import type { ExecutorContext } from '../types.js';
import type { EmergencyOutcome } from './emergency-asg.js';

export type KubeCtx = ExecutorContext & {
  kube?: { config?: KubeConfigFactory; tokens?: EksTokenCache; drain?: Partial<DrainTiming> };
};

/** The drain stops this long before the deadline, so the detach still happens in time. */
const DRAIN_MARGIN_MS = 10_000;

export async function replaceK8sNode(
  ctx: KubeCtx,
  p: { instanceId: string; cluster: string; nodegroup: string; deadline?: string },
): Promise<EmergencyOutcome> {
  const eks = ctx.aws.eks(ctx.region);
  const asg = ctx.aws.autoScaling(ctx.region);
  const old = p.instanceId;

  if (ctx.dryRun)
    return {
      summary: `DryRun only (DRY_RUN is on): would scale ${p.nodegroup} of ${p.cluster} out by one, cordon and drain the node of ${old}, and detach it`,
      onDemand: false,
      reportOnly: true,
    };
  const scaled = await step<{
    groupName: string;
    before: string[];
    desired: number;
    max: number;
    raised: boolean;
    requestedAt: string;
  }>(ctx, {
    name: 'scale-out',
    run: async () => {
      const ng = (
        await eks.send(
          new eksSdk.DescribeNodegroupCommand({ clusterName: p.cluster, nodegroupName: p.nodegroup }),
        )
      ).nodegroup;
      const groupName = ng?.resources?.autoScalingGroups?.[0]?.name;
      const sc = ng?.scalingConfig;
      if (!ng || !groupName || sc?.desiredSize === undefined || sc.maxSize === undefined)
        throw new Error(`describing the node group ${p.nodegroup} of ${p.cluster}: no scaling configuration`);
      const group = await findGroup(asg, groupName);
      const before = group ? inService(group) : [];
      const raised = sc.desiredSize + 1 > sc.maxSize;
      await mutateWithoutDryRun(ctx, 'eks:UpdateNodegroupConfig', () =>
        eks.send(
          new eksSdk.UpdateNodegroupConfigCommand({
            clusterName: p.cluster,
            nodegroupName: p.nodegroup,
            scalingConfig: {
              desiredSize: sc.desiredSize! + 1,
              ...(raised ? { maxSize: sc.maxSize! + 1 } : {}),
            },
          }),
        ),
      );
      await ctx.progress?.(`Scaled ${p.nodegroup} out to ${sc.desiredSize + 1} to replace ${old}.`);
      return {
        groupName,
        before,
        desired: sc.desiredSize,
        max: sc.maxSize,
        raised,
        requestedAt: ctx.clock.now().toISOString(),
      };
    },
  });

  const drained = await step<{ node?: string; evicted: number; note: string }>(ctx, {
    name: 'cordon-drain',
    run: async () => {
      const api = await connectCluster(ctx.aws, ctx.region, p.cluster, {
        kubeConfig: ctx.kube?.config,
        tokens: ctx.kube?.tokens,
      });
      const node = await nodeOfInstance(api, old);
      if (!node) return { evicted: 0, note: `${old} has no node in ${p.cluster}` };
      const name = nodeName(node);
      await cordon(ctx, api, name);
      const left = p.deadline
        ? new Date(p.deadline).getTime() - ctx.clock.now().getTime() - DRAIN_MARGIN_MS
        : undefined;
      try {
        const timing = { ...DEFAULT_DRAIN, ...ctx.kube?.drain };
        // Both the PDB back-off and the wait for pods to go end by the deadline.
        const bounded =
          left === undefined
            ? timing
            : {
                ...timing,
                goneTimeoutMs: Math.max(1_000, Math.min(timing.goneTimeoutMs, left)),
                maxEvictionAttempts: Math.max(
                  1,
                  Math.min(timing.maxEvictionAttempts, Math.floor(left / timing.evictionBackoffMs)),
                ),
              };
        const r = await drainNode(ctx, api, name, bounded);
        return {
          node: name,
          evicted: r.evicted.length,
          note: `cordoned and drained ${name} (${r.evicted.length} pods evicted)`,
        };
      } catch (err) {
        return {
          node: name,
          evicted: 0,
          note: `cordoned ${name}; the drain did not finish before the deadline (${describeError(err)})`,
        };
      }
    },
  });

  const healthy = await step<{ replacementId: string; healthyAt: string }>(ctx, {
    name: 'healthy',
    run: async () => {
      let found: string | undefined;
      await pollUntil(ctx, `a new instance InService in ${scaled.groupName}`, async () => {
        const group = await findGroup(asg, scaled.groupName);
        found = (group ? inService(group) : []).find((id) => id !== old && !scaled.before.includes(id));
        return found !== undefined;
      });
      return { replacementId: found as string, healthyAt: ctx.clock.now().toISOString() };
    },
  });

  await step(ctx, {
    name: 'detach',
    run: async () => {
      const group = await findGroup(asg, scaled.groupName);
      if ((group?.Instances ?? []).some((i) => i.InstanceId === old))
        await detach(ctx, asg, scaled.groupName, [old]);
      // The node group's own record back to its size (the detach already brought the group there).
      await mutateWithoutDryRun(ctx, 'eks:UpdateNodegroupConfig', () =>
        eks.send(
          new eksSdk.UpdateNodegroupConfigCommand({
            clusterName: p.cluster,
            nodegroupName: p.nodegroup,
            scalingConfig: { desiredSize: scaled.desired, ...(scaled.raised ? { maxSize: scaled.max } : {}) },
          }),
        ),
      );
      return { detached: old };
    },
  });
  return {
    summary: `Replaced node ${old} of ${p.cluster}/${p.nodegroup} with ${healthy.replacementId}; ${drained.note}; ${old} detached from ${scaled.groupName}`,
    replacementId: healthy.replacementId,
    onDemand: false,
    requestedAt: scaled.requestedAt,
    healthyAt: healthy.healthyAt,
    reportOnly: false,
  };
}
