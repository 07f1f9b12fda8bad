// Can a node be drained safely? Before anything changes, every reason it cannot, each naming the
// objects involved, the way `kubectl drain` refuses unmanaged and emptyDir pods without explicit
// flags (and Karpenter honours karpenter.sh/do-not-disrupt). DaemonSet and mirror pods are left on
// the node by the drain, finished and terminating pods need nothing: none of them is checked.
import type {
  AppsV1Api,
  KubeConfig,
  V1LabelSelector,
  V1OwnerReference,
  V1Pod,
  V1PodDisruptionBudget,
} from '@kubernetes/client-node';
import { kubeClientModule, kubeStatus, readKube } from './client.js';
import { isDaemonSetPod, isMirrorPod, podRef, podsOnNode } from './drain.js';

export const DO_NOT_DISRUPT = 'karpenter.sh/do-not-disrupt';

/** Every reason a drain is refused, in the order the card lists them. */
export const READINESS_REASONS = {
  'do-not-disrupt': {
    title: `marked ${DO_NOT_DISRUPT}`,
    why: 'someone asked that this never be disrupted',
  },
  statefulset: {
    title: 'StatefulSet pods',
    why: 'a StatefulSet recreates a pod only after the old one is gone: the workload is down meanwhile',
  },
  'single-replica': {
    title: 'single-replica workloads',
    why: 'one replica means downtime while it moves',
  },
  'no-pdb': {
    title: 'pods no PodDisruptionBudget covers',
    why: 'nothing says how many may be down at once',
  },
  'pdb-blocks': {
    title: 'PodDisruptionBudgets that allow no disruption',
    why: 'all replicas are healthy and still none may go: the drain would wait forever',
  },
  'empty-dir': {
    title: 'pods with emptyDir data',
    why: 'emptyDir data is deleted with the pod',
  },
  'bare-pod': {
    title: 'bare pods (no controller)',
    why: 'nothing recreates them: an evicted bare pod is gone for good',
  },
  'local-pv': {
    title: 'pods with local PersistentVolumes',
    why: 'the data is on this node’s disk and cannot follow the pod',
  },
} as const satisfies Record<string, { title: string; why: string }>;

export type ReadinessReason = keyof typeof READINESS_REASONS;
export const READINESS_REASON_KEYS = Object.keys(READINESS_REASONS) as [
  ReadinessReason,
  ...ReadinessReason[],
];

export interface ReadinessFinding {
  reason: ReadinessReason;
  node: string;
  /** "pod default/db-0", "node ip-10-0-1-5.ec2.internal", "PodDisruptionBudget default/web". */
  object: string;
  /** What about it: "StatefulSet default/db", "volume scratch", "Deployment default/api has 1 replica". */
  detail: string;
}

export interface NodeReadiness {
  findings: ReadinessFinding[];
  /** namespace/name of the pods a drain would evict. */
  evict: string[];
}

const isTrue = (v: string | undefined) => v === 'true';

function controllerOf(pod: V1Pod): V1OwnerReference | undefined {
  const owners = pod.metadata?.ownerReferences ?? [];
  return owners.find((o) => o.controller) ?? owners[0];
}

/** matchLabels and matchExpressions, as the API server evaluates a label selector. */
export function selects(selector: V1LabelSelector | undefined, labels: Record<string, string>): boolean {
  // A PDB with an empty selector selects every pod of its namespace (policy/v1).
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    if (e.operator === 'In' && !(has && values.includes(value as string))) return false;
    if (e.operator === 'NotIn' && has && values.includes(value as string)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** Reads that may 404 (the owner was just deleted): undefined then. */
async function maybe<T>(what: string, rbac: string, read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await readKube(what, rbac, read);
  } catch (err) {
    if (kubeStatus((err as Error).cause) === 404) return undefined;
    throw err;
  }
}

/** The reasons the nodes cannot be drained safely; an empty list means the drain may go ahead. */
export async function drainReadiness(kc: KubeConfig, nodes: readonly string[]): Promise<NodeReadiness> {
  const { AppsV1Api, CoreV1Api, PolicyV1Api } = await kubeClientModule();
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  const pdbs: V1PodDisruptionBudget[] = (
    await readKube('listing the PodDisruptionBudgets', 'list policy/poddisruptionbudgets', () =>
      policy.listPodDisruptionBudgetForAllNamespaces(),
    )
  ).items;
  const findings: ReadinessFinding[] = [];
  const evict: string[] = [];
  // One finding per object and reason, even when several pods (or nodes) lead to it.
  const seen = new Set<string>();
  const add = (f: ReadinessFinding) => {
    const key = `${f.reason}|${f.object}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push(f);
  };
  const replicasOf = new Map<string, { label: string; replicas: number } | undefined>();

  for (const node of nodes) {
    const n = await readKube(`reading the node ${node}`, 'get nodes', () => core.readNode({ name: node }));
    if (isTrue(n.metadata?.labels?.[DO_NOT_DISRUPT]) || isTrue(n.metadata?.annotations?.[DO_NOT_DISRUPT]))
      add({ reason: 'do-not-disrupt', node, object: `node ${node}`, detail: `${DO_NOT_DISRUPT}=true` });

    for (const pod of await podsOnNode(core, node)) {
      if (isDaemonSetPod(pod) || isMirrorPod(pod)) continue;
      const phase = pod.status?.phase;
      if (pod.metadata?.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed') continue;
      const ref = podRef(pod);
      const ns = pod.metadata?.namespace ?? 'default';
      const labels = pod.metadata?.labels ?? {};
      evict.push(ref);
      const f = (reason: ReadinessReason, detail: string, object = `pod ${ref}`) =>
        add({ reason, node, object, detail });

      if (isTrue(pod.metadata?.annotations?.[DO_NOT_DISRUPT]) || isTrue(labels[DO_NOT_DISRUPT]))
        f('do-not-disrupt', `${DO_NOT_DISRUPT}=true`);

      // The workload behind the pod, and how many replicas it runs.
      const owner = controllerOf(pod);
      if (!owner) f('bare-pod', 'no controller recreates it');
      else if (owner.kind === 'StatefulSet' || owner.kind === 'ReplicaSet') {
        const key = `${owner.kind}/${ns}/${owner.name}`;
        if (!replicasOf.has(key)) replicasOf.set(key, await workloadScale(apps, owner, ns));
        const scale = replicasOf.get(key);
        if (owner.kind === 'StatefulSet') f('statefulset', `StatefulSet ${ns}/${owner.name}`);
        if (scale && scale.replicas <= 1)
          f('single-replica', `${scale.label} runs ${scale.replicas} replica`, scale.label);
      }

      // PodDisruptionBudgets of its namespace that select it.
      const covering = pdbs.filter(
        (d) => d.metadata?.namespace === ns && selects(d.spec?.selector ?? undefined, labels),
      );
      if (covering.length === 0) f('no-pdb', 'no PodDisruptionBudget selects it');
      for (const d of covering) {
        const s = d.status;
        const allHealthy = (s?.currentHealthy ?? 0) >= (s?.expectedPods ?? 0);
        if (s && s.disruptionsAllowed <= 0 && allHealthy)
          f(
            'pdb-blocks',
            `allows 0 disruptions with all ${s.expectedPods} pods healthy (protects ${ref})`,
            `PodDisruptionBudget ${ns}/${d.metadata?.name}`,
          );
      }

      for (const v of pod.spec?.volumes ?? []) {
        if (v.emptyDir) f('empty-dir', `emptyDir volume ${v.name}`);
        const claim = v.persistentVolumeClaim?.claimName;
        if (!claim) continue;
        const pvc = await maybe(`reading the claim ${ns}/${claim}`, 'get persistentvolumeclaims', () =>
          core.readNamespacedPersistentVolumeClaim({ name: claim, namespace: ns }),
        );
        const pvName = pvc?.spec?.volumeName;
        if (!pvName) continue;
        const pv = await maybe(`reading the volume ${pvName}`, 'get persistentvolumes', () =>
          core.readPersistentVolume({ name: pvName }),
        );
        if (pv?.spec?.local || pv?.spec?.hostPath)
          f('local-pv', `claim ${claim} is bound to the local volume ${pvName}`);
      }
    }
  }
  const order = READINESS_REASON_KEYS;
  findings.sort((a, b) => order.indexOf(a.reason) - order.indexOf(b.reason));
  return { findings, evict };
}

/** A ReplicaSet counts through its Deployment (the Deployment's replicas are the workload's). */
async function workloadScale(
  apps: AppsV1Api,
  owner: V1OwnerReference,
  namespace: string,
): Promise<{ label: string; replicas: number } | undefined> {
  if (owner.kind === 'StatefulSet') {
    const sts = await maybe(
      `reading the StatefulSet ${namespace}/${owner.name}`,
      'get apps/statefulsets',
      () => apps.readNamespacedStatefulSet({ name: owner.name, namespace }),
    );
    return sts && { label: `StatefulSet ${namespace}/${owner.name}`, replicas: sts.spec?.replicas ?? 1 };
  }
  const rs = await maybe(`reading the ReplicaSet ${namespace}/${owner.name}`, 'get apps/replicasets', () =>
    apps.readNamespacedReplicaSet({ name: owner.name, namespace }),
  );
  if (!rs) return undefined;
  const deployment = rs.metadata?.ownerReferences?.find((o) => o.kind === 'Deployment');
  if (!deployment)
    return { label: `ReplicaSet ${namespace}/${owner.name}`, replicas: rs.spec?.replicas ?? 1 };
  const d = await maybe(
    `reading the Deployment ${namespace}/${deployment.name}`,
    'get apps/deployments',
    () => apps.readNamespacedDeployment({ name: deployment.name, namespace }),
  );
  return d && { label: `Deployment ${namespace}/${deployment.name}`, replicas: d.spec?.replicas ?? 1 };
}

/** What is left once the overridden reasons are set aside. */
export function unresolved(
  findings: readonly ReadinessFinding[],
  overridden: readonly ReadinessReason[],
): ReadinessFinding[] {
  return findings.filter((f) => !overridden.includes(f.reason));
}

/** Findings grouped by reason, for the card and the thread: "StatefulSet pods: pod default/db-0 (...)". */
export function groupFindings(
  findings: readonly ReadinessFinding[],
): { reason: ReadinessReason; title: string; why: string; objects: string[] }[] {
  const out = new Map<ReadinessReason, string[]>();
  for (const f of findings) out.set(f.reason, [...(out.get(f.reason) ?? []), `${f.object} (${f.detail})`]);
  return [...out].map(([reason, objects]) => ({ reason, ...READINESS_REASONS[reason], objects }));
}
