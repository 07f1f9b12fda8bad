import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DRAIN_ACCESS, missingAccess, ruleLabel } from '../../src/k8s/access-review.js';
import { evictAndWait } from '../../src/k8s/drain.js';
import { drainReadiness, selects, unresolved } from '../../src/k8s/readiness.js';
import { DRAIN_RULES, type FakeKube, startFakeKube } from '../helpers/fake-kube.js';

let kube: FakeKube;
let kc: KubeConfig;
let node: string;
let other: string;
const fast = { evictionBackoffMs: 5, gonePollMs: 5, maxEvictionAttempts: 400, goneTimeoutMs: 3_000 };

beforeEach(async () => {
  kube = await startFakeKube({ deleteDelayMs: 30, startDelayMs: 10 });
  kc = kube.kubeConfig({ name: 'prod', endpoint: kube.url, token: 'k8s-aws-v1.test' });
  node = kube.addNode('i-0old');
  other = kube.addNode('i-0new', { az: 'us-east-1b' });
});
afterEach(() => kube.close());

/** A well-behaved Deployment: 3 replicas, a PDB allowing one disruption. */
function healthyWeb() {
  for (const i of [1, 2, 3])
    kube.addPod({ name: `web-${i}`, node, app: 'web', owner: { kind: 'ReplicaSet', name: 'web-7d9' } });
  kube.addPdbSpec({ name: 'web', selector: { app: 'web' }, maxUnavailable: 1 });
  kube.addPod({
    name: 'aws-node-1',
    namespace: 'kube-system',
    node,
    owner: { kind: 'DaemonSet', name: 'aws-node' },
  });
  kube.addPod({ name: `kube-proxy-${node}`, namespace: 'kube-system', node, mirror: true });
}

describe('drain readiness', () => {
  it('finds nothing on a node of replicated, PDB-covered pods (DaemonSet and mirror pods skipped)', async () => {
    healthyWeb();
    const r = await drainReadiness(kc, [node]);
    expect(r.findings).toEqual([]);
    expect(r.evict).toEqual(['default/web-1', 'default/web-2', 'default/web-3']);
  });

  it('names every object behind every reason a drain is not safe', async () => {
    healthyWeb();
    kube.addPod({
      name: 'batch-1',
      node,
      app: 'batch',
      annotations: { 'karpenter.sh/do-not-disrupt': 'true' },
      owner: { kind: 'ReplicaSet', name: 'batch-5f4' },
    });
    kube.addPod({
      name: 'batch-2',
      node: other,
      app: 'batch',
      owner: { kind: 'ReplicaSet', name: 'batch-5f4' },
    });
    kube.addPdbSpec({ name: 'batch', selector: { app: 'batch' }, minAvailable: 1 });
    kube.addPod({ name: 'db-0', node, app: 'db', owner: { kind: 'StatefulSet', name: 'db' } });
    kube.addPod({ name: 'db-1', node: other, app: 'db', owner: { kind: 'StatefulSet', name: 'db' } });
    kube.addPdbSpec({ name: 'db', selector: { app: 'db' }, maxUnavailable: 1 });
    kube.addPod({ name: 'api-1', node, app: 'api', owner: { kind: 'ReplicaSet', name: 'api-6c8' } });
    kube.addPdbSpec({ name: 'api', selector: { app: 'api' }, minAvailable: 1 });
    kube.addPod({ name: 'cache-1', node, app: 'cache', owner: { kind: 'ReplicaSet', name: 'cache-9a1' } });
    kube.addPod({
      name: 'cache-2',
      node: other,
      app: 'cache',
      owner: { kind: 'ReplicaSet', name: 'cache-9a1' },
    });
    kube.addPdbSpec({ name: 'cache', selector: { app: 'cache' }, maxUnavailable: 0 });
    kube.addPod({
      name: 'scratch-1',
      node,
      app: 'scratch',
      volumes: [{ name: 'tmp', emptyDir: true }],
      owner: { kind: 'ReplicaSet', name: 'scratch-2b2' },
    });
    kube.addPod({
      name: 'scratch-2',
      node: other,
      app: 'scratch',
      owner: { kind: 'ReplicaSet', name: 'scratch-2b2' },
    });
    kube.addPdbSpec({ name: 'scratch', selector: { app: 'scratch' }, maxUnavailable: 1 });
    kube.addPod({ name: 'debug', node, labels: { run: 'debug' } });
    kube.addVolumeClaim('data-es-0', { localOn: node });
    kube.addPod({
      name: 'es-0',
      node,
      app: 'es',
      volumes: [{ name: 'data', claimName: 'data-es-0' }],
      owner: { kind: 'StatefulSet', name: 'es' },
    });
    kube.addPod({ name: 'es-1', node: other, app: 'es', owner: { kind: 'StatefulSet', name: 'es' } });
    kube.addPdbSpec({ name: 'es', selector: { app: 'es' }, maxUnavailable: 1 });

    const { findings } = await drainReadiness(kc, [node]);
    expect(findings.map((f) => `${f.reason}: ${f.object} (${f.detail})`)).toEqual([
      'do-not-disrupt: pod default/batch-1 (karpenter.sh/do-not-disrupt=true)',
      'statefulset: pod default/db-0 (StatefulSet default/db)',
      'statefulset: pod default/es-0 (StatefulSet default/es)',
      'single-replica: Deployment default/api (Deployment default/api runs 1 replica)',
      'no-pdb: pod default/debug (no PodDisruptionBudget selects it)',
      'pdb-blocks: PodDisruptionBudget default/api (allows 0 disruptions with all 1 pods healthy (protects default/api-1))',
      'pdb-blocks: PodDisruptionBudget default/cache (allows 0 disruptions with all 2 pods healthy (protects default/cache-1))',
      'empty-dir: pod default/scratch-1 (emptyDir volume tmp)',
      'bare-pod: pod default/debug (no controller recreates it)',
      'local-pv: pod default/es-0 (claim data-es-0 is bound to the local volume ' +
        `${kube.pvcs.get('default/data-es-0')?.volumeName})`,
    ]);
    expect(unresolved(findings, ['statefulset', 'local-pv', 'do-not-disrupt']).map((f) => f.reason)).toEqual([
      'single-replica',
      'no-pdb',
      'pdb-blocks',
      'pdb-blocks',
      'empty-dir',
      'bare-pod',
    ]);
  });

  it('refuses a node marked do-not-disrupt, by label or annotation', async () => {
    const labelled = kube.addNode('i-0lab', { labels: { 'karpenter.sh/do-not-disrupt': 'true' } });
    const annotated = kube.addNode('i-0ann', { annotations: { 'karpenter.sh/do-not-disrupt': 'true' } });
    const { findings } = await drainReadiness(kc, [labelled, annotated]);
    expect(findings.map((f) => f.object)).toEqual([`node ${labelled}`, `node ${annotated}`]);
  });

  it('does not count a PDB that waits for an unhealthy pod as blocking', async () => {
    kube.addPod({ name: 'q-1', node, app: 'q', owner: { kind: 'ReplicaSet', name: 'q-1a2' } });
    kube.addPod({
      name: 'q-2',
      node: other,
      app: 'q',
      owner: { kind: 'ReplicaSet', name: 'q-1a2' },
      phase: 'Pending',
    });
    kube.setReplicas('Deployment', 'q', 2);
    kube.addPdbSpec({ name: 'q', selector: { app: 'q' }, minAvailable: 1 });
    // One healthy of two expected: no disruption now, but not forever (the drain waits).
    expect(kube.pdbStatus(kube.pdbs[0]!)).toMatchObject({
      expectedPods: 2,
      currentHealthy: 1,
      disruptionsAllowed: 0,
    });
    expect((await drainReadiness(kc, [node])).findings).toEqual([]);
  });

  it('evaluates label selectors with matchExpressions', () => {
    const sel = {
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['front', 'edge'] },
        { key: 'canary', operator: 'DoesNotExist' },
      ],
    };
    expect(selects(sel, { app: 'web', tier: 'front' })).toBe(true);
    expect(selects(sel, { app: 'web', tier: 'back' })).toBe(false);
    expect(selects(sel, { app: 'web', tier: 'edge', canary: 'yes' })).toBe(false);
    expect(selects(undefined, { app: 'web' })).toBe(false);
  });
});

describe('RBAC, as the API server answers it', () => {
  it('asks a SelfSubjectAccessReview per verb and names the rules the role lacks', async () => {
    kube.rules = DRAIN_RULES.filter((r) => !r.resources.includes('pods/eviction'));
    const missing = await missingAccess(kc);
    expect(missing.map(ruleLabel)).toEqual(['create pods/eviction']);
    expect(kube.requests.filter((r) => r.path.endsWith('selfsubjectaccessreviews'))).toHaveLength(
      DRAIN_ACCESS.length,
    );
    kube.rules = DRAIN_RULES;
    expect(await missingAccess(kc)).toEqual([]);
  });

  it('answers a forbidden eviction with 403 and the real message; the drain names the rule', async () => {
    healthyWeb();
    kube.rules = DRAIN_RULES.filter((r) => !r.resources.includes('pods/eviction'));
    const pods = (
      await kc.makeApiClient(CoreV1Api).listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })
    ).items.filter((p) => p.metadata?.name === 'web-1');
    const err = (await evictAndWait({ dryRun: false }, kc.makeApiClient(CoreV1Api), node, pods, fast).catch(
      (e: Error) => e,
    )) as Error;
    expect(err.message).toBe(
      `the role lacks Kubernetes RBAC create pods/eviction (pods "web-1" is forbidden: User "${kube.user}" cannot create resource "pods/eviction" in API group "" in the namespace "default")`,
    );
    const forbidden = kube.requests.at(-1);
    expect(forbidden?.path).toBe('/api/v1/namespaces/default/pods/web-1/eviction');
    expect(kube.events.map((e) => e.type)).toContain('forbidden');
  });
});

describe('the fake, where drains depend on it', () => {
  it('keeps an evicted pod Terminating for its grace period, then it is gone', async () => {
    kube.addPod({
      name: 'slow',
      node,
      app: 'slow',
      owner: { kind: 'ReplicaSet', name: 'slow-1' },
      graceMs: 150,
    });
    kube.addPod({ name: 'slow-b', node: other, app: 'slow', owner: { kind: 'ReplicaSet', name: 'slow-1' } });
    const api = kc.makeApiClient(CoreV1Api);
    await api.patchNode({ name: node, body: [{ op: 'add', path: '/spec/unschedulable', value: true }] });
    const [pod] = (await api.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })).items;
    const started = Date.now();
    await evictAndWait({ dryRun: false }, api, node, [pod!], fast);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(kube.podsOn(node)).toEqual([]);
  });

  it('recreates a StatefulSet pod, under its own name, only after the old one is gone', async () => {
    kube.addPod({ name: 'db-0', node, app: 'db', owner: { kind: 'StatefulSet', name: 'db' } });
    kube.addPod({ name: 'db-1', node: other, app: 'db', owner: { kind: 'StatefulSet', name: 'db' } });
    kube.addPdbSpec({ name: 'db', selector: { app: 'db' }, maxUnavailable: 1 });
    await kc
      .makeApiClient(CoreV1Api)
      .patchNode({ name: node, body: [{ op: 'add', path: '/spec/unschedulable', value: true }] });
    const api = kc.makeApiClient(CoreV1Api);
    const pods = (await api.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` })).items;
    await evictAndWait({ dryRun: false }, api, node, pods, fast);
    const types = kube.events.filter((e) => e.target === 'default/db-0').map((e) => e.type);
    expect(types.slice(0, 3)).toEqual(['evicted', 'pod-gone', 'pod-scheduled']);
    expect(kube.podsOn(other)).toContain('default/db-0');
  });

  it('decides evictions from the PDB selector and disruptionsAllowed', async () => {
    for (const i of [1, 2])
      kube.addPod({
        name: `w-${i}`,
        node,
        labels: { app: 'w', tier: 'front' },
        owner: { kind: 'ReplicaSet', name: 'w-1' },
      });
    kube.addPdbSpec({ name: 'w', selector: { tier: 'front' }, minAvailable: 2 });
    expect(kube.pdbStatus(kube.pdbs[0]!)).toMatchObject({
      expectedPods: 2,
      currentHealthy: 2,
      disruptionsAllowed: 0,
    });
    const api = kc.makeApiClient(CoreV1Api);
    const err = await api
      .createNamespacedPodEviction({
        name: 'w-1',
        namespace: 'default',
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'w-1', namespace: 'default' } },
      })
      .catch((e: { code: number; body: string }) => e);
    expect((err as { code: number }).code).toBe(429);
    expect(JSON.parse((err as { body: string }).body)).toMatchObject({
      reason: 'TooManyRequests',
      details: {
        causes: [
          {
            reason: 'DisruptionBudget',
            message: 'The disruption budget w needs 2 healthy pods and has 2 currently',
          },
        ],
      },
    });
  });
});
