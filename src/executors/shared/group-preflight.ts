// The ASG preflight (aws/asg-preflight.ts) as a validation verdict: the swap and the node
// replacement refuse, before anything is launched, what the card would not have offered.
import { asgPreflight } from '../../aws/asg-preflight.js';
import type { ExecutorContext, Verdict } from '../types.js';

/** Beyond what the clone plan already reads (groups, refreshes, subnets). */
export const GROUP_PREFLIGHT_PERMISSIONS = [
  'autoscaling:DescribeWarmPool',
  'autoscaling:DescribeLifecycleHooks',
] as const;

export async function checkGroupPreflight(ctx: ExecutorContext, groupName: string): Promise<Verdict> {
  const { refusals } = await asgPreflight(
    ctx.aws.autoScaling(ctx.region),
    ctx.aws.ec2(ctx.region),
    groupName,
  );
  if (refusals.length === 0) return { ok: true };
  const why = refusals.map((r) => `${r.title}${r.objects.length ? ` (${r.objects.join(', ')})` : ''}`);
  return { ok: false, reason: `${groupName} cannot be swapped as it is: ${why.join('; ')}` };
}
