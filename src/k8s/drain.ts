// Draining a node the way `kubectl drain` does: evict every pod through the Eviction API so
// PodDisruptionBudgets hold, skipping DaemonSet pods (their controller would recreate them on the
// same node) and mirror pods (static pods the kubelet owns). A 429 means a PDB blocks the eviction
// for now: back off and retry until the replacement pod elsewhere is Ready. Then wait until the
// pods are gone, not just evicted: they keep running through their grace period.
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import type { MutationContext } from '../aws/dry-run.js';
import { sleep as realSleep } from '../lib/retry.js';
import { kubeErrorBody, kubeStatus, mutateKube, readKube } from './client.js';

export const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

export interface DrainTiming {
  /** Wait between evictions a PDB refused (ms). */
  evictionBackoffMs: number;
  /** Attempts per pod before the drain gives up on a PDB. */
  maxEvictionAttempts: number;
  /** How long evicted pods may take to disappear (ms). */
  goneTimeoutMs: number;
  /** Poll interval while waiting for pods to disappear (ms). */
  gonePollMs: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
}

/** Five minutes of PDB back-off, five minutes for the pods to go. */
export const DEFAULT_DRAIN: DrainTiming = {
  evictionBackoffMs: 5_000,
  maxEvictionAttempts: 60,
  goneTimeoutMs: 5 * 60_000,
  gonePollMs: 2_000,
  sleep: realSleep,
  now: () => Date.now(),
};

export const podRef = (pod: V1Pod): string => `${pod.metadata?.namespace}/${pod.metadata?.name}`;

export function isDaemonSetPod(pod: V1Pod): boolean {
  return pod.metadata?.ownerReferences?.some((o) => o.kind === 'DaemonSet') ?? false;
}

export function isMirrorPod(pod: V1Pod): boolean {
  return pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined;
}

export async function podsOnNode(api: CoreV1Api, node: string): Promise<V1Pod[]> {
  const list = await readKube(`listing the pods on ${node}`, 'list pods', () =>
    api.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }),
  );
  return list.items;
}

/** The pods a drain evicts, and the ones it leaves (DaemonSet and mirror pods). */
export async function drainPlan(api: CoreV1Api, node: string): Promise<{ evict: V1Pod[]; skip: V1Pod[] }> {
  const pods = await podsOnNode(api, node);
  const skip = pods.filter((p) => isDaemonSetPod(p) || isMirrorPod(p));
  return { evict: pods.filter((p) => !skip.includes(p)), skip };
}

export class PdbBlockedError extends Error {
  override name = 'PdbBlockedError';
}

/** One pod: evict, retrying while a PDB refuses. A pod already gone counts as evicted. */
async function evictPod(ctx: MutationContext, api: CoreV1Api, pod: V1Pod, t: DrainTiming): Promise<void> {
  const name = pod.metadata?.name ?? '';
  const namespace = pod.metadata?.namespace ?? 'default';
  for (let attempt = 1; ; attempt++) {
    try {
      await mutateKube(ctx, 'create pods/eviction', () =>
        api.createNamespacedPodEviction({
          name,
          namespace,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
        }),
      );
      return;
    } catch (err) {
      const status = kubeStatus(err);
      if (status === 404) return;
      if (status !== 429) {
        if (err instanceof Error && err.name === 'PermissionError') throw err;
        throw new Error(`evicting ${podRef(pod)}`, { cause: err });
      }
      if (attempt >= t.maxEvictionAttempts) {
        const why = kubeErrorBody(err).message ?? 'the API server answered 429';
        throw new PdbBlockedError(
          `evicting ${podRef(pod)}: still refused after ${attempt} attempts: ${why}`,
          {
            cause: err,
          },
        );
      }
      await t.sleep(t.evictionBackoffMs);
    }
  }
}

/** Until none of the pods (by UID) is on the node any more; names the ones left on timeout. */
async function waitGone(api: CoreV1Api, node: string, pods: V1Pod[], t: DrainTiming): Promise<void> {
  const uids = new Set(pods.map((p) => p.metadata?.uid));
  const deadline = t.now() + t.goneTimeoutMs;
  for (;;) {
    const left = (await podsOnNode(api, node)).filter((p) => uids.has(p.metadata?.uid));
    if (left.length === 0) return;
    if (t.now() + t.gonePollMs > deadline) {
      throw new Error(
        `gave up after ${t.goneTimeoutMs / 1000}s waiting for ${left.map(podRef).join(', ')} to leave ${node}`,
      );
    }
    await t.sleep(t.gonePollMs);
  }
}

export interface DrainResult {
  /** namespace/name of the pods evicted (or, in dry-run mode, that would be). */
  evicted: string[];
  skipped: string[];
  dryRun: boolean;
}

/**
 * Evicts the pods one at a time (PDB-aware) and waits until they are gone from the node. The node
 * must already be cordoned, or the scheduler may place replacements back on it.
 */
export async function evictAndWait(
  ctx: MutationContext,
  api: CoreV1Api,
  node: string,
  pods: V1Pod[],
  timing: Partial<DrainTiming> = {},
): Promise<void> {
  const t = { ...DEFAULT_DRAIN, ...timing };
  if (ctx.dryRun) return;
  for (const pod of pods) await evictPod(ctx, api, pod, t);
  await waitGone(api, node, pods, t);
}

/** drainPlan + evictAndWait. In dry-run mode only lists what it would evict. */
export async function drainNode(
  ctx: MutationContext,
  api: CoreV1Api,
  node: string,
  timing: Partial<DrainTiming> = {},
): Promise<DrainResult> {
  const { evict, skip } = await drainPlan(api, node);
  await evictAndWait(ctx, api, node, evict, timing);
  return { evicted: evict.map(podRef), skipped: skip.map(podRef), dryRun: ctx.dryRun };
}
