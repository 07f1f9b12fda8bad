// emergency-replace: replaces an instance AWS is about to reclaim (a Spot interruption warning, or a
// rebalance recommendation under the account's `replace` policy). Started by the event handler with
// top priority and no approval (two minutes leave no time), under the account's emergency policy;
// every step is durable (a takeover resumes), audited, and told afterwards. One path per kind of
// instance: an Auto Scaling group member, a lab instance spotops moved, an EKS node.
import { z } from 'zod';
import { findGroup } from '../aws/asg.js';
import { describeInstances } from '../aws/asg-clone.js';
import { OK, stale } from '../aws/verdicts.js';
import { type EmergencyOutcome, replaceAsgMember } from './shared/emergency-asg.js';
import { type KubeCtx, replaceK8sNode } from './shared/emergency-k8s.js';
import { replaceLabInstance } from './shared/emergency-lab.js';
import type { Executor, Verdict } from './types.js';

const params = z.discriminatedUnion('target', [
  z.object({
    target: z.literal('asg'),
    instanceId: z.string().min(1),
    groupName: z.string().min(1),
    deadline: z.string().optional(),
  }),
  z.object({ target: z.literal('lab'), instanceId: z.string().min(1), deadline: z.string().optional() }),
  z.object({
    target: z.literal('k8s'),
    instanceId: z.string().min(1),
    cluster: z.string().min(1),
    nodegroup: z.string().min(1),
    deadline: z.string().optional(),
  }),
]);
export type EmergencyReplaceParams = z.infer<typeof params>;
export type { EmergencyOutcome };

const where = (p: EmergencyReplaceParams) =>
  p.target === 'asg'
    ? ` in ${p.groupName}`
    : p.target === 'k8s'
      ? ` (node of ${p.cluster}/${p.nodegroup})`
      : '';

export const emergencyReplace: Executor<EmergencyReplaceParams, EmergencyOutcome> = {
  kind: 'emergency-replace',
  params,
  permissions: [
    'ec2:DescribeInstances',
    'ec2:DescribeInstanceStatus',
    'ec2:DescribeSubnets',
    'ec2:DescribeAvailabilityZones',
    'ec2:DescribeImages',
    'ec2:DescribeVolumes',
    'ec2:DescribeInstanceAttribute',
    'ec2:DescribeAddresses',
    'ec2:RunInstances',
    'ec2:CreateTags',
    'ec2:TerminateInstances',
    'ec2:AssociateAddress',
    'ec2:AttachVolume',
    'autoscaling:DescribeAutoScalingGroups',
    'autoscaling:AttachInstances',
    'autoscaling:DetachInstances',
    'autoscaling:UpdateAutoScalingGroup',
    'eks:DescribeNodegroup',
    'eks:UpdateNodegroupConfig',
    'eks:DescribeCluster',
    // The lab snapshot schedule that keeps the replacement's AMI fresh (jobs/lab-snapshots.ts).
    'ec2:CreateImage',
    'ec2:DeregisterImage',
    'ec2:DeleteSnapshot',
  ],
  // Runs without approval under the account's emergency policy; the level is what the card shows.
  risk: () => 'HIGH',
  describe: (p) => `Emergency replacement of ${p.instanceId}${where(p)}`,
  resumable: true,
  rollbackNote: 'no rollback: the warned instance is reclaimed by AWS',

  // Cheap on purpose: every call here delays the replacement.
  async validate(ctx, p): Promise<Verdict> {
    if (p.target === 'asg') {
      const group = await findGroup(ctx.aws.autoScaling(ctx.region), p.groupName);
      return group ? OK : stale(`${p.groupName} no longer exists`);
    }
    if (p.target === 'lab') {
      const [i] = await describeInstances(ctx.aws.ec2(ctx.region), [p.instanceId]);
      return i ? OK : stale(`${p.instanceId} is already gone`);
    }
    return OK;
  },

  async execute(ctx, p) {
    const outcome =
      p.target === 'asg'
        ? await replaceAsgMember(ctx, p)
        : p.target === 'lab'
          ? await replaceLabInstance(ctx, p)
          : await replaceK8sNode(ctx as KubeCtx, p);
    // The outcome is the record the handler reads back (times, replacement, On-Demand); there is
    // no rollback.
    return { summary: outcome.summary, undo: outcome };
  },
};
