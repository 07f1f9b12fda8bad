import { CoreV1Api } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { drainNode } from '../../src/k8s/drain.js';
import { cordon, nodeOfInstance, uncordon, waitNodeReady } from '../../src/k8s/nodes.js';
import { type FakeKube, startFakeKube } from '../helpers/fake-kube.js';

const live = { dryRun: false };
const waits = { waits: { minDelaySeconds: 0.002, maxDelaySeconds: 0.005, maxWaitSeconds: 2 } };
/** Real sleeps of a few ms, so the fake's timers (pod start, deletion) run in between. */
const fast = { evictionBackoffMs: 5, gonePollMs: 5, maxEvictionAttempts: 200, goneTimeoutMs: 2_000 };

let kube: FakeKube;
let api: CoreV1Api;
let oldNode: string;
let newNode: string;
beforeEach(async () => {
  kube = await startFakeKube({ deleteDelayMs: 50, startDelayMs: 20 });
  api = kube
    .kubeConfig({ name: 'prod', endpoint: kube.url, token: 'k8s-aws-v1.test' })
    .makeApiClient(CoreV1Api);
  oldNode = kube.addNode('i-0old');
  newNode = kube.addNode('i-0new', { az: 'us-east-1b' });
});
afterEach(() => kube.close());

describe('nodes', () => {
  it('finds the node of an instance by its providerID', async () => {
    expect((await nodeOfInstance(api, 'i-0new'))?.metadata?.name).toBe(newNode);
    expect(await nodeOfInstance(api, 'i-0ne')).toBeUndefined();
  });

  it('waits until a joining node is Ready', async () => {
    kube.addNode('i-0late', { ready: false });
    const node = await waitNodeReady(waits, api, 'i-0late');
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    expect(kube.events.map((e) => e.type)).toContain('node-ready');
  });

  it('cordon sets spec.unschedulable with a merge patch, uncordon clears it', async () => {
    expect(await cordon(live, api, oldNode)).toBe(true);
    expect(kube.nodes.get(oldNode)?.unschedulable).toBe(true);
    const [patch] = kube.patches();
    expect(patch).toMatchObject({
      path: `/api/v1/nodes/${oldNode}`,
      contentType: 'application/merge-patch+json',
      body: { spec: { unschedulable: true } },
    });
    expect(patch?.authorization).toBe('Bearer k8s-aws-v1.test');
    await uncordon(live, api, oldNode);
    expect(kube.nodes.get(oldNode)?.unschedulable).toBe(false);
    expect(kube.events.map((e) => e.type)).toEqual(['node-added', 'node-added', 'cordon', 'uncordon']);
  });

  it('does not patch anything in dry-run mode', async () => {
    expect(await cordon({ dryRun: true }, api, oldNode)).toBe(false);
    expect(kube.patches()).toEqual([]);
    expect(kube.nodes.get(oldNode)?.unschedulable).toBe(false);
  });
});

describe('drainNode', () => {
  beforeEach(() => {
    kube.addPod({ name: 'web-1', node: oldNode, app: 'web', owner: { kind: 'ReplicaSet', name: 'web-7d9' } });
    kube.addPod({
      name: 'aws-node-x1',
      namespace: 'kube-system',
      node: oldNode,
      owner: { kind: 'DaemonSet', name: 'aws-node' },
    });
    kube.addPod({ name: 'kube-proxy-static', namespace: 'kube-system', node: oldNode, mirror: true });
  });

  it('evicts through the Eviction API, skipping DaemonSet and mirror pods, and waits until they are gone', async () => {
    await cordon(live, api, oldNode);
    const result = await drainNode(live, api, oldNode, fast);
    expect(result).toEqual({
      evicted: ['default/web-1'],
      skipped: ['kube-system/aws-node-x1', 'kube-system/kube-proxy-static'],
      dryRun: false,
    });
    expect(kube.evictions().map((r) => r.path)).toEqual(['/api/v1/namespaces/default/pods/web-1/eviction']);
    expect(kube.evictions()[0]?.body).toMatchObject({ apiVersion: 'policy/v1', kind: 'Eviction' });
    // Gone, not just evicted: the drain returned after the pod's deletion delay.
    expect(kube.podsOn(oldNode)).toEqual(['kube-system/aws-node-x1', 'kube-system/kube-proxy-static']);
    const types = kube.events.map((e) => e.type);
    expect(types.indexOf('pod-gone')).toBeGreaterThan(types.indexOf('evicted'));
    // The ReplicaSet's replacement went to the uncordoned node.
    expect(kube.podsOn(newNode)).toHaveLength(1);
  });

  it('retries an eviction a PDB refuses until the replacement is Running and Ready', async () => {
    kube.addPod({ name: 'web-2', node: newNode, app: 'web', owner: { kind: 'ReplicaSet', name: 'web-7d9' } });
    kube.addPod({ name: 'web-3', node: oldNode, app: 'web', owner: { kind: 'ReplicaSet', name: 'web-7d9' } });
    kube.addPdb('web', 2);
    // Replacements take a while to start, so web-3's first eviction meets the PDB even when a
    // busy machine is slow between the two evictions.
    kube.configure({ startDelayMs: 1_000 });
    await cordon(live, api, oldNode);
    const result = await drainNode(live, api, oldNode, fast);
    expect(result.evicted).toEqual(['default/web-1', 'default/web-3']);
    const web3 = kube.events.filter((e) => e.target === 'default/web-3').map((e) => e.type);
    expect(web3[0]).toBe('eviction-blocked');
    expect(web3).toContain('evicted');
    // web-3 was only let go after web-1's replacement became Ready.
    const order = kube.events.map((e) => `${e.type} ${e.target}`);
    const firstReady = order.findIndex((e) => e.startsWith('pod-ready default/web-7d9-'));
    expect(firstReady).toBeGreaterThan(-1);
    expect(order.indexOf('evicted default/web-3')).toBeGreaterThan(firstReady);
    expect(kube.podsOn(oldNode).filter((p) => p.startsWith('default/'))).toEqual([]);
  });

  it('gives up on a PDB that never allows the eviction, after bounded attempts', async () => {
    kube.addPdb('web', 1);
    const sleeps: number[] = [];
    const err = await drainNode(live, api, oldNode, {
      ...fast,
      maxEvictionAttempts: 3,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    }).catch((e: Error) => e);
    expect((err as Error).message).toBe(
      "evicting default/web-1: still refused after 3 attempts: Cannot evict pod as it would violate the pod's disruption budget.",
    );
    expect(sleeps).toEqual([5, 5]);
    expect(kube.evictions()).toHaveLength(3);
  });

  it('names the pods still there when they do not go in time', async () => {
    await kube.close();
    kube = await startFakeKube({ deleteDelayMs: 10_000 });
    api = kube
      .kubeConfig({ name: 'prod', endpoint: kube.url, token: 'k8s-aws-v1.test' })
      .makeApiClient(CoreV1Api);
    const node = kube.addNode('i-0slow');
    kube.addPod({ name: 'db-0', namespace: 'data', node, app: 'db' });
    const err = await drainNode(live, api, node, { ...fast, goneTimeoutMs: 60 }).catch((e: Error) => e);
    expect((err as Error).message).toBe(`gave up after 0.06s waiting for data/db-0 to leave ${node}`);
  });

  it('lists what it would evict in dry-run mode without evicting', async () => {
    const result = await drainNode({ dryRun: true }, api, oldNode, fast);
    expect(result).toEqual({
      evicted: ['default/web-1'],
      skipped: ['kube-system/aws-node-x1', 'kube-system/kube-proxy-static'],
      dryRun: true,
    });
    expect(kube.evictions()).toEqual([]);
    expect(kube.podsOn(oldNode)).toHaveLength(3);
  });
});
