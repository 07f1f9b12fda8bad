// The checks a node replacement passes before anything is launched: the role holds every
// Kubernetes RBAC rule the drain needs (SelfSubjectAccessReview), and each node can be drained
// safely (k8s/readiness.ts) or an approver overrode the reasons that remain, each with a typed
// justification stored in the execution's params.
import type { KubeConfig } from '@kubernetes/client-node';
import { z } from 'zod';
import { missingAccess, ruleLabel } from '../../k8s/access-review.js';
import { connectClusterConfig, type KubeConfigFactory } from '../../k8s/client.js';
import type { EksTokenCache } from '../../k8s/eks-token.js';
import {
  drainReadiness,
  groupFindings,
  READINESS_REASON_KEYS,
  type ReadinessFinding,
  unresolved,
} from '../../k8s/readiness.js';
import type { ExecutorContext, Verdict } from '../types.js';

/** One overridden reason: who accepted it, when, and why. */
export const drainOverride = z.object({
  reason: z.enum(READINESS_REASON_KEYS),
  justification: z.string().trim().min(10, 'say why in a sentence (10 characters at least)').max(500),
  by: z.string().min(1),
  at: z.string().min(1),
});
export type DrainOverride = z.infer<typeof drainOverride>;
export const drainOverrides = z.array(drainOverride).optional();

/** How an executor reaches Kubernetes; tests point `config` at the fake API server. */
export interface KubeAccess {
  config?: KubeConfigFactory;
  tokens?: EksTokenCache;
}
type Ctx = ExecutorContext & { kube?: KubeAccess };

// One connection per validation (ctx): DescribeCluster and the token are not repeated per check.
const connections = new WeakMap<object, Promise<KubeConfig>>();
function connect(ctx: Ctx, cluster: string): Promise<KubeConfig> {
  let kc = connections.get(ctx);
  if (!kc) {
    kc = connectClusterConfig(ctx.aws, ctx.region, cluster, {
      kubeConfig: ctx.kube?.config,
      tokens: ctx.kube?.tokens,
    });
    connections.set(ctx, kc);
    kc.catch(() => connections.delete(ctx));
  }
  return kc;
}

/** Refuses, naming each missing rule, unless the role may do everything the drain does. */
export async function checkDrainAccess(ctx: Ctx, cluster: string): Promise<Verdict> {
  const missing = await missingAccess(await connect(ctx, cluster));
  if (missing.length === 0) return { ok: true };
  return {
    ok: false,
    reason: `the role lacks Kubernetes RBAC in ${cluster}: ${missing.map(ruleLabel).join(', ')} (nothing was launched; grant them to the role's group, see the README)`,
  };
}

const MAX_OBJECTS = 5;

/** "StatefulSet pods: pod default/db-0 (StatefulSet default/db); ...", every object named (capped). */
export function describeFindings(findings: readonly ReadinessFinding[]): string {
  return groupFindings(findings)
    .map((g) => {
      const shown = g.objects.slice(0, MAX_OBJECTS).join(', ');
      const more = g.objects.length > MAX_OBJECTS ? ` and ${g.objects.length - MAX_OBJECTS} more` : '';
      return `${g.title}: ${shown}${more}`;
    })
    .join('; ');
}

/** Refuses with every reason not overridden; the overridden ones let the drain go ahead. */
export async function checkDrainReadiness(
  ctx: Ctx,
  cluster: string,
  nodes: readonly string[],
  overrides: readonly DrainOverride[] = [],
): Promise<Verdict> {
  const { findings } = await drainReadiness(await connect(ctx, cluster), nodes);
  const left = unresolved(
    findings,
    overrides.map((o) => o.reason),
  );
  if (left.length === 0) return { ok: true };
  return {
    ok: false,
    reason: `draining ${nodes.join(', ')} is not safe: ${describeFindings(left)}. Nothing was launched; an approver may override each reason with a justification`,
  };
}
