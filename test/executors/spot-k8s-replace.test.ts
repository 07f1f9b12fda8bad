import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spotK8sReplace } from '../../src/executors/spot-k8s-replace.js';
import { EksTokenCache } from '../../src/k8s/eks-token.js';
import { DRAIN_RULES, type FakeKube, startFakeKube } from '../helpers/fake-kube.js';
import { awsError, liveMutations, makeContext, sent } from './context.js';
import { fakeGroup, fakeSpotWorld, member, onDemandInstance, type SpotWorld } from './spot-world.js';

const ec2 = mockClient(EC2Client);
const asg = mockClient(AutoScalingClient);
const eks = mockClient(EKSClient);
const params = spotK8sReplace.params.parse({
  cluster: 'prod',
  nodegroup: 'general',
  groupName: 'eks-general-1234',
  instanceType: 'm5.large',
  maxPrice: 0.05,
});
const ENDPOINT = 'https://ABCDEF0123456789.gr7.us-east-1.eks.amazonaws.com';
const tags = [
  { Key: 'Name', Value: 'general' },
  { Key: 'eks:nodegroup-name', Value: 'general' },
];

let world: SpotWorld;
let kube: FakeKube;
/** AWS calls and Kubernetes events, interleaved in the order they happened. */
let timeline: string[];
/** When set, a launched instance does not join the cluster. */
let nodesJoin: boolean;
let nodeOf: Record<string, string>;

beforeEach(async () => {
  ec2.reset();
  asg.reset();
  eks.reset();
  timeline = [];
  nodesJoin = true;
  world = fakeSpotWorld(ec2, {
    instances: [
      onDemandInstance({ InstanceId: 'i-0od1', Tags: tags }),
      onDemandInstance({
        InstanceId: 'i-0od2',
        SubnetId: 'subnet-b',
        Placement: { AvailabilityZone: 'us-east-1b' },
        Tags: tags,
      }),
    ],
  });
  fakeGroup(asg, world, {
    AutoScalingGroupName: 'eks-general-1234',
    DesiredCapacity: 2,
    MinSize: 2,
    MaxSize: 2,
    LaunchTemplate: { LaunchTemplateId: 'lt-0eks', LaunchTemplateName: 'eks-general', Version: '3' },
    Instances: [member('i-0od1'), member('i-0od2', 'us-east-1b')],
  });
  eks.on(DescribeNodegroupCommand).resolves({
    nodegroup: {
      nodegroupName: 'general',
      clusterName: 'prod',
      status: 'ACTIVE',
      capacityType: 'ON_DEMAND',
      resources: { autoScalingGroups: [{ name: 'eks-general-1234' }] },
    },
  });
  eks.on(DescribeClusterCommand).resolves({
    cluster: {
      name: 'prod',
      status: 'ACTIVE',
      endpoint: ENDPOINT,
      certificateAuthority: { data: 'LS0tLS1CRUdJTg==' },
    },
  });

  // Replacement pods take long enough to start that the PDB visibly blocks the next eviction, even
  // on a busy machine.
  kube = await startFakeKube({ deleteDelayMs: 50, startDelayMs: 150, nodeReadyDelayMs: 20 });
  nodeOf = { 'i-0od1': kube.addNode('i-0od1'), 'i-0od2': kube.addNode('i-0od2', { az: 'us-east-1b' }) };
  const [n1, n2] = [nodeOf['i-0od1'] as string, nodeOf['i-0od2'] as string];
  for (const [i, node] of [n1, n2].entries()) {
    kube.addPod({ name: `web-${i + 1}`, node, app: 'web', owner: { kind: 'ReplicaSet', name: 'web-7d9' } });
    kube.addPod({
      name: `aws-node-${i + 1}`,
      namespace: 'kube-system',
      node,
      owner: { kind: 'DaemonSet', name: 'aws-node' },
    });
  }
  kube.addPod({ name: 'web-3', node: n1, app: 'web', owner: { kind: 'ReplicaSet', name: 'web-7d9' } });
  kube.addPod({ name: `static-${n1}`, namespace: 'kube-system', node: n1, mirror: true });
  // Two of the three web pods must stay up: evicting web-3 waits until web-1's replacement is Ready.
  kube.addPdb('web', 2);

  // A launched instance joins the cluster as a (not yet Ready) node; every call is on the timeline.
  const record = world.record.bind(world);
  world.record = (call) => {
    record(call);
    timeline.push(`aws ${call}`);
    if (call === 'RunInstances' && nodesJoin) {
      const id = world.launched.at(-1) as string;
      nodeOf[id] = kube.addNode(id, {
        ready: false,
        az: world.instances.get(id)?.Placement?.AvailabilityZone,
      });
    }
  };
  kube.onEvent = (e) => timeline.push(`k8s ${e.type} ${e.target}`);
});
afterEach(async () => {
  await kube.close();
  ec2.reset();
  asg.reset();
  eks.reset();
});

const fast = { evictionBackoffMs: 5, gonePollMs: 5, maxEvictionAttempts: 200, goneTimeoutMs: 2_000 };
function context(opts: { dryRun?: boolean; environment?: 'PROD' | 'LAB' } = {}) {
  return Object.assign(makeContext(opts), {
    kube: { config: kube.kubeConfig, drain: fast, tokens: new EksTokenCache() },
  });
}
const state = (id: string) => world.instances.get(id)?.State?.Name;
const at = (entry: string) => {
  const i = timeline.indexOf(entry);
  expect(i, `${entry} in ${timeline.join('\n')}`).toBeGreaterThan(-1);
  return i;
};

/** IMPORTANT: the invariant, after every recorded AWS call. */
function expectCapacityHeld(desired: number) {
  for (const step of world.steps) {
    expect(step.inService, `${step.call}: InService ${step.inService}`).toBeGreaterThanOrEqual(desired);
    expect(step.desired, step.call).toBeGreaterThanOrEqual(desired);
  }
}

describe('spot-k8s-replace', () => {
  it('is high risk, critical in production, and has no rollback', () => {
    expect(spotK8sReplace.risk(params, { environment: 'LAB' })).toBe('MEDIUM');
    expect(spotK8sReplace.risk(params, { environment: 'PROD' })).toBe('CRITICAL');
    expect(spotK8sReplace.describe(params)).toBe(
      'Replace the On-Demand nodes of prod/general with Spot nodes (m5.large, max $0.05/h, one at a time, drained with PDBs respected)',
    );
    expect(spotK8sReplace.rollback).toBeUndefined();
    expect(spotK8sReplace.rollbackNote).toContain('terminated');
  });

  it('validates the node group, a DryRun Spot launch from its template, and the cluster with an EKS token', async () => {
    expect(await spotK8sReplace.validate(context(), params)).toEqual({ ok: true });
    // The cluster first (RBAC), then the node group; one connection serves every check.
    expect(sent(eks).map((c) => c.name)).toEqual(['DescribeCluster', 'DescribeNodegroup', 'DescribeCluster']);
    const dryRuns = sent(ec2).filter((c) => c.input.DryRun === true);
    expect(dryRuns.map((c) => [c.name, c.input.SubnetId ?? c.input.InstanceIds])).toEqual([
      ['RunInstances', 'subnet-a'],
      ['RunInstances', 'subnet-b'],
      ['TerminateInstances', ['i-0od1', 'i-0od2']],
    ]);
    expect(dryRuns[0]?.input).toMatchObject({
      LaunchTemplate: { LaunchTemplateId: 'lt-0eks', Version: '3' },
      InstanceType: 'm5.large',
      InstanceMarketOptions: { MarketType: 'spot', SpotOptions: { MaxPrice: '0.05' } },
    });
    // The API server was reached at the cluster's endpoint with a freshly minted token.
    expect(kube.access[0]).toMatchObject({ name: 'prod', endpoint: ENDPOINT, caData: 'LS0tLS1CRUdJTg==' });
    const asked = kube.requests.filter((r) => r.path.endsWith('/selfsubjectaccessreviews'));
    expect(asked.map((r) => (r.body as any).spec.resourceAttributes)).toContainEqual({
      group: '',
      resource: 'pods',
      subresource: 'eviction',
      verb: 'create',
    });
    expect(kube.requests.filter((r) => r.method === 'GET').map((r) => r.path)).toContain('/api/v1/nodes');
    expect(kube.requests.every((r) => r.method === 'GET' || asked.includes(r))).toBe(true);
    expect(kube.requests[0]?.authorization).toBe(`Bearer ${kube.access[0]?.token}`);
    expect(liveMutations(ec2)).toEqual([]);
    expect(liveMutations(asg)).toEqual([]);
  });

  it('calls a node group that is no longer On-Demand, ACTIVE or present stale', async () => {
    eks.on(DescribeNodegroupCommand).resolves({
      nodegroup: { status: 'UPDATING', capacityType: 'ON_DEMAND' },
    });
    expect(await spotK8sReplace.validate(context(), params)).toEqual({
      ok: false,
      stale: true,
      reason: 'the node group general is UPDATING, not ACTIVE',
    });
    eks.on(DescribeNodegroupCommand).resolves({ nodegroup: { status: 'ACTIVE', capacityType: 'SPOT' } });
    expect((await spotK8sReplace.validate(context(), params)) as { reason: string }).toMatchObject({
      stale: true,
      reason: 'the node group general has capacity type SPOT, not ON_DEMAND',
    });
    eks.on(DescribeNodegroupCommand).rejects(awsError('ResourceNotFoundException', 'No node group found'));
    expect(await spotK8sReplace.validate(context(), params)).toMatchObject({
      stale: true,
      reason: 'the node group general of prod no longer exists',
    });
  });

  it('pauses while the group is mid instance-refresh', async () => {
    world.refreshes.push({
      InstanceRefreshId: 'r-1',
      AutoScalingGroupName: 'eks-general-1234',
      Status: 'InProgress',
    });
    expect(await spotK8sReplace.validate(context(), params)).toEqual({
      ok: false,
      stale: true,
      reason: 'paused: instance refresh in progress in eks-general-1234',
    });
  });

  it('calls the replacement stale when the Spot pool is poisoned', async () => {
    const ctx = context({ environment: 'PROD' });
    ctx.poolGuard = async (pool) => ({
      poisoned: pool.az === 'use1-az6',
      expiresAt: new Date('2026-03-10T00:00:00Z'),
    });
    expect(await spotK8sReplace.validate(ctx, params)).toEqual({
      ok: false,
      stale: true,
      reason:
        'the Spot pool us-east-1/use1-az6/m5.large is poisoned until 2026-03-10T00:00:00.000Z after an interruption in production',
    });
    expect(sent(ec2).filter((c) => c.input.DryRun === true)).toEqual([]);
  });

  it('refuses when the cluster rejects the role', async () => {
    kube.failNext = { method: 'GET', pathIncludes: '/api/v1/nodes', status: 401 };
    const verdict = await spotK8sReplace.validate(context(), params);
    expect(verdict).toEqual({
      ok: false,
      reason:
        'the role lacks access to the cluster (the API server rejected the token: map the role with an EKS access entry)',
    });
  });

  it('refuses before any EC2 or Auto Scaling call when the role lacks a Kubernetes RBAC verb', async () => {
    kube.rules = DRAIN_RULES.filter((r) => !r.resources.includes('pods/eviction'));
    expect(await spotK8sReplace.validate(context(), params)).toEqual({
      ok: false,
      reason:
        "the role lacks Kubernetes RBAC in prod: create pods/eviction (nothing was launched; grant them to the role's group, see the README)",
    });
    expect(sent(ec2)).toEqual([]);
    expect(sent(asg)).toEqual([]);
    expect(sent(eks).map((c) => c.name)).toEqual(['DescribeCluster']);
    // And the executor never got as far as a mutation either.
    kube.rules = DRAIN_RULES.filter((r) => !r.resources.includes('nodes'));
    expect(((await spotK8sReplace.validate(context(), params)) as { reason: string }).reason).toContain(
      'get nodes, list nodes, patch nodes',
    );
  });

  it('passes with exactly the RBAC the README grants', async () => {
    kube.rules = DRAIN_RULES;
    expect(await spotK8sReplace.validate(context(), params)).toEqual({ ok: true });
  });

  it('refuses a node whose pods cannot move safely, naming each one, before anything is launched', async () => {
    const n1 = nodeOf['i-0od1'] as string;
    kube.addPod({ name: 'db-0', node: n1, app: 'db', owner: { kind: 'StatefulSet', name: 'db' } });
    kube.addPod({
      name: 'db-1',
      node: nodeOf['i-0od2'] as string,
      app: 'db',
      owner: { kind: 'StatefulSet', name: 'db' },
    });
    kube.addPdbSpec({ name: 'db', selector: { app: 'db' }, maxUnavailable: 1 });
    kube.addPod({ name: 'debug', node: n1 });
    const verdict = await spotK8sReplace.validate(context(), params);
    expect(verdict).toEqual({
      ok: false,
      reason: `draining ${n1}, ${nodeOf['i-0od2']} is not safe: StatefulSet pods: pod default/db-0 (StatefulSet default/db), pod default/db-1 (StatefulSet default/db); pods no PodDisruptionBudget covers: pod default/debug (no PodDisruptionBudget selects it); bare pods (no controller): pod default/debug (no controller recreates it). Nothing was launched; an approver may override each reason with a justification`,
    });
    expect(sent(ec2).filter((c) => c.input.DryRun === true)).toEqual([]);
    expect(liveMutations(ec2)).toEqual([]);
    expect(kube.patches()).toEqual([]);
  });

  it('drains for the overridden reasons only: a StatefulSet pod moves once the old one is gone', async () => {
    const n1 = nodeOf['i-0od1'] as string;
    kube.addPod({ name: 'db-0', node: n1, app: 'db', owner: { kind: 'StatefulSet', name: 'db' } });
    kube.addPod({
      name: 'db-1',
      node: nodeOf['i-0od2'] as string,
      app: 'db',
      owner: { kind: 'StatefulSet', name: 'db' },
    });
    kube.addPdbSpec({ name: 'db', selector: { app: 'db' }, maxUnavailable: 1 });
    const overridden = spotK8sReplace.params.parse({
      ...params,
      overrides: [
        {
          reason: 'statefulset',
          justification: 'db replicates; one member down for a minute is fine',
          by: 'U2',
          at: '2026-03-01T12:00:00Z',
        },
      ],
    });
    kube.addPod({ name: 'debug', node: n1 });
    expect(((await spotK8sReplace.validate(context(), overridden)) as { reason: string }).reason).toMatch(
      /is not safe: pods no PodDisruptionBudget covers: pod default\/debug .*; bare pods \(no controller\): pod default\/debug/,
    );
    for (const [uid, pod] of kube.pods) if (pod.name === 'debug') kube.pods.delete(uid);
    expect(await spotK8sReplace.validate(context(), overridden)).toEqual({ ok: true });

    const { summary } = await spotK8sReplace.execute(context(), overridden);
    expect(summary).toContain('Replaced 2 On-Demand nodes of prod/general with Spot');
    // The StatefulSet brought db-0 back under its own name only after the old one was gone.
    const db0 = timeline.filter((e) => e.endsWith(' default/db-0')).map((e) => e.split(' ')[1]);
    expect(db0.slice(0, 3)).toEqual(['evicted', 'pod-gone', 'pod-scheduled']);
    expect(
      [...kube.pods.values()]
        .filter((p) => p.app === 'db')
        .map((p) => p.name)
        .sort(),
    ).toEqual(['db-0', 'db-1']);
  });

  it('changes nothing in dry-run mode and lists what it would evict', async () => {
    const ctx = context({ dryRun: true });
    const { summary } = await spotK8sReplace.execute(ctx, params);
    expect(summary).toBe(
      `Would have replaced i-0od1 (${nodeOf['i-0od1']}: would evict default/web-1, default/web-3); i-0od2 (${nodeOf['i-0od2']}: would evict default/web-2) with m5.large Spot nodes in general (dry run)`,
    );
    expect(liveMutations(ec2)).toEqual([]);
    expect(liveMutations(asg)).toEqual([]);
    expect(sent(eks).every((c) => c.name.startsWith('Describe'))).toBe(true);
    expect(kube.patches()).toEqual([]);
    expect(kube.evictions()).toEqual([]);
    expect(kube.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(kube.podsOn(nodeOf['i-0od1'] as string)).toHaveLength(4);
  });

  it('replaces each node only after its clone is Ready, cordons before evicting, evicts before terminating', async () => {
    const ctx = context();
    const { summary, undo } = await spotK8sReplace.execute(ctx, params);
    const [old1, old2, new1, new2] = [
      nodeOf['i-0od1'],
      nodeOf['i-0od2'],
      nodeOf['i-0clone1'],
      nodeOf['i-0clone2'],
    ];
    expect(summary).toBe(
      `Replaced 2 On-Demand nodes of prod/general with Spot: ${old1} -> ${new1} (2 pods moved), ${old2} -> ${new2} (3 pods moved)`,
    );
    // web-1 and web-3 were rescheduled onto the other uncordoned node, so its drain moved them again.
    expect(undo?.replacements.map((r) => [r.oldInstanceId, r.cloneId, r.evicted.length])).toEqual([
      ['i-0od1', 'i-0clone1', 2],
      ['i-0od2', 'i-0clone2', 3],
    ]);
    expect(undo?.replacements[0]?.evicted).toEqual(['default/web-1', 'default/web-3']);
    expect(undo?.replacements[1]?.evicted).toContain('default/web-2');

    for (const [old, clone, oldNode, newNode, pod] of [
      ['i-0od1', 'i-0clone1', old1, new1, 'default/web-3'],
      ['i-0od2', 'i-0clone2', old2, new2, 'default/web-2'],
    ] as const) {
      const attached = timeline.findIndex(
        (e, i) => e === 'aws AttachInstances' && i > at(`k8s node-added ${newNode}`),
      );
      expect(at(`k8s node-ready ${newNode}`)).toBeLessThan(at(`k8s cordon ${oldNode}`));
      expect(attached).toBeLessThan(at(`k8s cordon ${oldNode}`));
      expect(at(`k8s cordon ${oldNode}`)).toBeLessThan(at(`k8s evicted ${pod}`));
      // Gone, not just evicted, before the instance leaves.
      expect(at(`k8s pod-gone ${pod}`)).toBeLessThan(
        timeline.findIndex((e, i) => e === 'aws DetachInstances' && i > at(`k8s pod-gone ${pod}`)),
      );
      expect(state(old)).toBe('terminated');
      expect(state(clone)).toBe('running');
      expect(world.instances.get(clone)?.InstanceLifecycle).toBe('spot');
    }
    // The PDB (minAvailable 2) refused web-3 until web-1's replacement was Running and Ready.
    const blocked = at('k8s eviction-blocked default/web-3');
    const ready = timeline.findIndex((e) => e.startsWith('k8s pod-ready default/web-7d9-'));
    expect(blocked).toBeLessThan(ready);
    expect(ready).toBeLessThan(at('k8s evicted default/web-3'));
    expect(kube.podsOn(old1 as string).filter((p) => p.startsWith('default/'))).toEqual([]);
    expect([...kube.pods.values()].filter((p) => p.app === 'web')).toHaveLength(3);
    // The replacements never went to a cordoned node.
    for (const [name, node] of kube.nodes) {
      if (node.unschedulable) expect(kube.podsOn(name).filter((p) => p.startsWith('default/'))).toEqual([]);
    }
    // Drain ran with the merge-patch Content-Type, and the DaemonSet and mirror pods were left.
    expect(kube.patches().map((r) => r.contentType)).toEqual([
      'application/merge-patch+json',
      'application/merge-patch+json',
    ]);
    expect(
      kube
        .evictions()
        .map((r) => r.path)
        .filter((p) => p.includes('kube-system')),
    ).toEqual([]);
    expectCapacityHeld(2);
    expect(world.group).toMatchObject({ DesiredCapacity: 2, MaxSize: 2 });
    expect(world.group?.Instances?.map((i) => i.InstanceId)).toEqual(['i-0clone1', 'i-0clone2']);
    expect(await spotK8sReplace.verify?.(ctx, params)).toEqual({ ok: true });
  });

  it('before the drain: uncordons the old node and removes the clone when something fails', async () => {
    kube.failNext = { method: 'GET', pathIncludes: '/api/v1/pods', status: 500 };
    const err = (await spotK8sReplace.execute(context(), params).catch((e: Error) => e)) as Error;
    const old = nodeOf['i-0od1'];
    expect(err.message).toBe(
      `replacing i-0od1 (${old}) in eks-general-1234 failed while listing the pods on ${old}; uncordoned ${old}; detached i-0clone1; terminated the clone i-0clone1; restored the MaxSize of eks-general-1234 to 2; i-0od1 untouched`,
    );
    expect(at(`k8s cordon ${old}`)).toBeLessThan(at(`k8s uncordon ${old}`));
    expect(kube.nodes.get(old as string)?.unschedulable).toBe(false);
    expect(kube.evictions()).toEqual([]);
    expect(state('i-0clone1')).toBe('terminated');
    expect(state('i-0od1')).toBe('running');
    expect(world.group).toMatchObject({ DesiredCapacity: 2, MaxSize: 2 });
    expect(liveMutations(asg).at(-2)).toMatchObject({
      name: 'DetachInstances',
      input: { InstanceIds: ['i-0clone1'], ShouldDecrementDesiredCapacity: true },
    });
    expectCapacityHeld(2);
  });

  it('removes the clone without touching the old node when the clone never becomes a Ready node', async () => {
    nodesJoin = false;
    const ctx = context();
    ctx.waits = { ...ctx.waits, maxWaitSeconds: 0.2 };
    const err = (await spotK8sReplace.execute(ctx, params).catch((e: Error) => e)) as Error;
    expect(err.message).toContain(
      'failed while waiting for i-0clone1 to join prod as a Ready node; detached i-0clone1',
    );
    expect(kube.patches()).toEqual([]);
    expect(state('i-0clone1')).toBe('terminated');
    expect(state('i-0od1')).toBe('running');
    expectCapacityHeld(2);
  });

  it('during the drain: uncordons the old node and keeps the new one when a PDB never allows the eviction', async () => {
    kube.pdbs[0]!.minAvailable = 3; // never satisfiable: every web pod is needed
    const ctx = context();
    ctx.kube.drain = { ...fast, maxEvictionAttempts: 3 };
    const err = (await spotK8sReplace.execute(ctx, params).catch((e: Error) => e)) as Error;
    const old = nodeOf['i-0od1'];
    expect(err.message).toBe(
      `replacing i-0od1 (${old}) in eks-general-1234 failed while draining ${old}; uncordoned ${old}; kept i-0clone1 (${nodeOf['i-0clone1']}) in eks-general-1234, which now has one more node than before (MaxSize left at 3); i-0od1 is still running`,
    );
    expect((err.cause as Error).message).toContain('still refused after 3 attempts');
    expect(kube.nodes.get(old as string)?.unschedulable).toBe(false);
    expect(state('i-0od1')).toBe('running');
    expect(state('i-0clone1')).toBe('running');
    expect(world.group).toMatchObject({ DesiredCapacity: 3, MaxSize: 3 });
    expect(liveMutations(ec2).map((c) => c.name)).toEqual(['RunInstances']);
    expectCapacityHeld(2);
  });

  it('fails verification while a replaced node still has pods', async () => {
    const ctx = context();
    await spotK8sReplace.execute(ctx, params);
    world.group!.Instances!.push(member('i-0od1'));
    world.setState('i-0od1', 'running');
    expect(await spotK8sReplace.verify?.(ctx, params)).toEqual({
      ok: false,
      reason: 'i-0od1 is still InService in eks-general-1234',
    });
    world.group!.Instances!.pop();
    kube.addPod({ name: 'late', node: nodeOf['i-0od2'] as string, app: 'batch' });
    expect(await spotK8sReplace.verify?.(ctx, params)).toEqual({
      ok: false,
      reason: `default/late still on ${nodeOf['i-0od2']} (i-0od2)`,
    });
  });
});
