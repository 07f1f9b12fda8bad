// A fake Kubernetes API server (node:http on 127.0.0.1, JSON only) that behaves like a real one
// where node replacement depends on it (see the notes on kube-apiserver 1.24):
// - nodes carry spec.providerID (aws:///<az>/<instance-id>) and a Ready condition;
// - PATCH of a node needs a patch Content-Type: merge patch objects, JSON Patch arrays (400 otherwise);
// - pods are listed with fieldSelector spec.nodeName=<node>;
// - Eviction (policy/v1) is 201 when allowed and 429 TooManyRequests / DisruptionBudget when a PDB
//   (minAvailable per app label, counting only Running+Ready pods not being deleted) would break;
// - an evicted pod stays Terminating (deletionTimestamp) for its grace period and then disappears;
// - PDBs select pods by label selector in their namespace; their status (expectedPods,
//   currentHealthy, desiredHealthy, disruptionsAllowed) is computed like the disruption controller
//   does, and an eviction is allowed only while disruptionsAllowed > 0;
// - a ReplicaSet pod that is evicted is recreated Pending at once, scheduled on an uncordoned Ready
//   node only, and becomes Running+Ready after `startDelayMs` (so the PDB allows one more disruption);
//   a StatefulSet pod is recreated (same name) only after the old one is gone;
// - ReplicaSets (owned by their Deployment), Deployments, StatefulSets, PVCs and PVs can be read;
// - RBAC: with `rules` set, a request the rules do not allow answers 403 Forbidden with the API
//   server's message ("pods "web-1" is forbidden: User \"...\" cannot create resource
//   \"pods/eviction\" in API group \"\" in the namespace \"default\""), and
//   SelfSubjectAccessReviews are answered from the same rules.
// Every request is recorded; `events` is the timeline of what changed.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import type { ClusterAccess, KubeConfigFactory } from '../../src/k8s/client.js';

export interface FakeKubeOptions {
  /** How long an evicted pod stays (its grace period). */
  deleteDelayMs?: number;
  /** How long a scheduled replacement pod takes to become Running and Ready. */
  startDelayMs?: number;
  /** How long a new node takes to become Ready. */
  nodeReadyDelayMs?: number;
  /** RBAC of the caller; absent = everything allowed (cluster-admin). */
  rules?: RbacRule[];
  /** The user name in 403 messages (an EKS access entry maps the role to it). */
  user?: string;
}

/** One ClusterRole rule: `resources` may name subresources ("pods/eviction"); "*" matches all. */
export interface RbacRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

/** What a drain needs (kubernetes.md, "Minimum RBAC"), plus the reads of the readiness check. */
export const DRAIN_RULES: RbacRule[] = [
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'patch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
  { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  { apiGroups: [''], resources: ['persistentvolumeclaims', 'persistentvolumes'], verbs: ['get'] },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['list'] },
  { apiGroups: ['apps'], resources: ['replicasets', 'deployments', 'statefulsets'], verbs: ['get'] },
];

export interface KubeRequest {
  method: string;
  path: string;
  contentType?: string;
  authorization?: string;
  body?: unknown;
}

export type KubeEventType =
  | 'node-added'
  | 'node-ready'
  | 'cordon'
  | 'uncordon'
  | 'evicted'
  | 'eviction-blocked'
  | 'pod-gone'
  | 'pod-scheduled'
  | 'pod-ready'
  | 'forbidden';

export interface KubeEvent {
  type: KubeEventType;
  /** Node name or namespace/pod. */
  target: string;
}

interface Node {
  name: string;
  instanceId: string;
  az: string;
  ready: boolean;
  unschedulable: boolean;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

type OwnerKind = 'DaemonSet' | 'ReplicaSet' | 'StatefulSet' | 'Job';
export type PodVolume = { name: string; emptyDir: true } | { name: string; claimName: string };

interface Pod {
  uid: string;
  namespace: string;
  name: string;
  app?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  owner?: { kind: OwnerKind; name: string };
  mirror?: boolean;
  volumes: PodVolume[];
  node?: string;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  ready: boolean;
  /** How long it stays Terminating once evicted (terminationGracePeriodSeconds, scaled for tests). */
  graceMs?: number;
  deletionTimestamp?: string;
}

export interface PodSpec {
  name: string;
  namespace?: string;
  node: string;
  app?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  owner?: { kind: OwnerKind; name: string };
  mirror?: boolean;
  volumes?: PodVolume[];
  phase?: Pod['phase'];
  graceMs?: number;
}

/** A workload controller: a ReplicaSet points at its Deployment. */
interface Workload {
  kind: 'ReplicaSet' | 'Deployment' | 'StatefulSet';
  namespace: string;
  name: string;
  replicas: number;
  owner?: { kind: 'Deployment'; name: string };
  /** Created from the pods added (one replica each) rather than declared with setReplicas. */
  implicit?: boolean;
}

export interface Pdb {
  name: string;
  namespace: string;
  /** matchLabels of spec.selector. */
  selector: Record<string, string>;
  minAvailable?: number;
  maxUnavailable?: number;
  /** The label it was created for with addPdb (compatibility with older tests). */
  app?: string;
}

interface Pvc {
  namespace: string;
  name: string;
  volumeName: string;
}

interface Pv {
  name: string;
  /** A `local` volume lives on one node's disk. */
  localPath?: string;
  node?: string;
}

interface Attributes {
  verb: string;
  group: string;
  namespace?: string;
  resource: string;
  name?: string;
}

const status = (code: number, reason: string, message: string, details?: unknown) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: code < 400 ? 'Success' : 'Failure',
  message,
  reason,
  ...(details ? { details } : {}),
  code,
});

export class FakeKube {
  readonly nodes = new Map<string, Node>();
  readonly pods = new Map<string, Pod>();
  readonly pdbs: Pdb[] = [];
  readonly workloads = new Map<string, Workload>();
  readonly pvcs = new Map<string, Pvc>();
  readonly pvs = new Map<string, Pv>();
  /** RBAC of the caller; undefined = everything allowed. Tests may change it at any time. */
  rules?: RbacRule[];
  user: string;
  readonly requests: KubeRequest[] = [];
  readonly events: KubeEvent[] = [];
  /** Tokens handed to the KubeConfig factory, i.e. what the code under test authenticated with. */
  readonly access: ClusterAccess[] = [];
  /** Called on every event, in order (tests interleave them with the AWS timeline). */
  onEvent?: (event: KubeEvent) => void;
  /** Answers the next matching requests with this status instead (failure injection). */
  failNext?: { method: string; pathIncludes: string; status: number; count?: number };
  url = '';
  readonly #server: Server;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #opts: Required<FakeKubeOptions>;

  constructor(opts: FakeKubeOptions = {}) {
    const { rules, user, ...timing } = opts;
    this.#opts = {
      deleteDelayMs: 50,
      startDelayMs: 20,
      nodeReadyDelayMs: 20,
      ...timing,
    } as Required<FakeKubeOptions>;
    this.rules = rules;
    this.user = user ?? 'arn:aws:sts::111122223333:assumed-role/SpotOpsWrite/spotops-U1';
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch((err) => {
        this.#send(res, 500, status(500, 'InternalError', String(err)));
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Points the code under test at this server (plain http), keeping the token it minted. */
  kubeConfig: KubeConfigFactory = (access) => {
    this.access.push(access);
    const kc = new KubeConfig();
    kc.loadFromOptions({
      // client-node 1.x refuses plain http unless TLS verification is explicitly off.
      clusters: [{ name: access.name, server: this.url, skipTLSVerify: true }],
      users: [{ name: 'spotops', token: access.token }],
      contexts: [{ name: access.name, cluster: access.name, user: 'spotops' }],
      currentContext: access.name,
    });
    return kc;
  };

  /** A node for an EC2 instance; Ready now, or after nodeReadyDelayMs when `ready: false`. */
  addNode(
    instanceId: string,
    o: {
      name?: string;
      az?: string;
      ready?: boolean;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    } = {},
  ): string {
    const name = o.name ?? `ip-${instanceId.replace(/^i-/, '')}.ec2.internal`;
    const node: Node = {
      name,
      instanceId,
      az: o.az ?? 'us-east-1a',
      ready: o.ready ?? true,
      unschedulable: false,
      labels: o.labels ?? {},
      annotations: o.annotations ?? {},
    };
    this.nodes.set(name, node);
    this.#emit('node-added', name);
    if (!node.ready) {
      this.#later(this.#opts.nodeReadyDelayMs, () => {
        node.ready = true;
        this.#emit('node-ready', name);
        this.#schedule();
      });
    }
    return name;
  }

  /**
   * A pod. A ReplicaSet or StatefulSet owner that was not declared is created on the fly with one
   * replica per pod added (a ReplicaSet `web-7d9` belongs to the Deployment `web`).
   */
  addPod(spec: PodSpec): Pod {
    const namespace = spec.namespace ?? 'default';
    const pod: Pod = {
      uid: randomUUID(),
      namespace,
      name: spec.name,
      app: spec.app,
      labels: { ...(spec.app ? { app: spec.app } : {}), ...spec.labels },
      annotations: { ...spec.annotations },
      owner: spec.owner,
      mirror: spec.mirror,
      volumes: spec.volumes ?? [],
      node: spec.node,
      phase: spec.phase ?? 'Running',
      ready: (spec.phase ?? 'Running') === 'Running',
      graceMs: spec.graceMs,
    };
    this.pods.set(pod.uid, pod);
    const owner = spec.owner;
    if (owner && (owner.kind === 'ReplicaSet' || owner.kind === 'StatefulSet') && spec.phase !== 'Pending') {
      const key = `${owner.kind}/${namespace}/${owner.name}`;
      const w = this.workloads.get(key);
      if (w) {
        if (w.implicit) w.replicas += 1;
      } else if (owner.kind === 'ReplicaSet') {
        const deployment = owner.name.replace(/-[a-z0-9]+$/, '');
        this.workloads.set(key, {
          kind: 'ReplicaSet',
          namespace,
          name: owner.name,
          replicas: 1,
          owner: { kind: 'Deployment', name: deployment },
          implicit: true,
        });
        const dkey = `Deployment/${namespace}/${deployment}`;
        if (!this.workloads.has(dkey))
          this.workloads.set(dkey, { kind: 'Deployment', namespace, name: deployment, replicas: 1 });
      } else {
        this.workloads.set(key, {
          kind: 'StatefulSet',
          namespace,
          name: owner.name,
          replicas: 1,
          implicit: true,
        });
      }
      const rs = this.workloads.get(key) as Workload;
      if (rs.owner) {
        const d = this.workloads.get(`Deployment/${namespace}/${rs.owner.name}`);
        if (d) d.replicas = rs.replicas;
      }
    }
    return pod;
  }

  /** Declares a workload's replica count (a Deployment's ReplicaSet follows it). */
  setReplicas(
    kind: 'Deployment' | 'StatefulSet',
    name: string,
    replicas: number,
    namespace = 'default',
  ): void {
    const w = this.workloads.get(`${kind}/${namespace}/${name}`);
    if (!w) throw new Error(`the fake has no ${kind} ${namespace}/${name}`);
    w.replicas = replicas;
    w.implicit = false;
    for (const rs of this.workloads.values())
      if (rs.owner?.name === name && rs.namespace === namespace) {
        rs.replicas = replicas;
        rs.implicit = false;
      }
  }

  /** A PDB with minAvailable over the pods labelled app=<app> (the older tests' shape). */
  /** Changes timings for what happens from now on (e.g. a replacement that starts slowly). */
  configure(opts: Partial<FakeKubeOptions>): void {
    Object.assign(this.#opts, opts);
  }

  addPdb(app: string, minAvailable: number): void {
    this.pdbs.push({ name: `${app}-pdb`, namespace: 'default', selector: { app }, minAvailable, app });
  }

  addPdbSpec(pdb: Omit<Pdb, 'namespace'> & { namespace?: string }): void {
    this.pdbs.push({ namespace: 'default', ...pdb });
  }

  /** A PVC bound to a PV; `local` makes it a local PV on that node. */
  addVolumeClaim(name: string, o: { namespace?: string; localOn?: string } = {}): void {
    const namespace = o.namespace ?? 'default';
    const volumeName = `pvc-${randomUUID().slice(0, 8)}`;
    this.pvcs.set(`${namespace}/${name}`, { namespace, name, volumeName });
    this.pvs.set(volumeName, {
      name: volumeName,
      ...(o.localOn ? { localPath: '/mnt/disks/ssd0', node: o.localOn } : {}),
    });
  }

  /** namespace/name of the pods on a node (including ones being deleted). */
  podsOn(node: string): string[] {
    return [...this.pods.values()].filter((p) => p.node === node).map((p) => `${p.namespace}/${p.name}`);
  }

  nodeOf(instanceId: string): Node | undefined {
    return [...this.nodes.values()].find((n) => n.instanceId === instanceId);
  }

  patches(): KubeRequest[] {
    return this.requests.filter((r) => r.method === 'PATCH');
  }

  evictions(): KubeRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/eviction'));
  }

  #emit(type: KubeEventType, target: string) {
    const event = { type, target };
    this.events.push(event);
    this.onEvent?.(event);
  }

  #later(ms: number, fn: () => void) {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  /** Pending pods go to an uncordoned Ready node (never a cordoned one), then start. */
  #schedule() {
    for (const pod of this.pods.values()) {
      if (pod.node || pod.phase !== 'Pending' || pod.deletionTimestamp) continue;
      const target = [...this.nodes.values()].find((n) => n.ready && !n.unschedulable);
      if (!target) continue;
      pod.node = target.name;
      this.#emit('pod-scheduled', `${pod.namespace}/${pod.name}`);
      this.#later(this.#opts.startDelayMs, () => {
        if (!this.pods.has(pod.uid) || pod.deletionTimestamp) return;
        pod.phase = 'Running';
        pod.ready = true;
        this.#emit('pod-ready', `${pod.namespace}/${pod.name}`);
      });
    }
  }

  #nodeJson(n: Node) {
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: n.name,
        uid: `uid-${n.name}`,
        labels: {
          'kubernetes.io/hostname': n.name,
          'topology.kubernetes.io/zone': n.az,
          ...n.labels,
        },
        annotations: n.annotations,
      },
      spec: {
        providerID: `aws:///${n.az}/${n.instanceId}`,
        ...(n.unschedulable ? { unschedulable: true } : {}),
      },
      status: {
        conditions: [
          {
            type: 'Ready',
            status: n.ready ? 'True' : 'False',
            reason: n.ready ? 'KubeletReady' : 'KubeletNotReady',
            lastHeartbeatTime: '2026-03-01T12:00:00Z',
            lastTransitionTime: '2026-03-01T12:00:00Z',
          },
        ],
      },
    };
  }

  #podJson(p: Pod) {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: p.name,
        namespace: p.namespace,
        uid: p.uid,
        labels: p.labels,
        annotations: { ...p.annotations, ...(p.mirror ? { 'kubernetes.io/config.mirror': 'c0ffee' } : {}) },
        ownerReferences: p.owner
          ? [
              {
                apiVersion: p.owner.kind === 'Job' ? 'batch/v1' : 'apps/v1',
                kind: p.owner.kind,
                name: p.owner.name,
                uid: `uid-${p.owner.name}`,
                controller: true,
              },
            ]
          : [],
        ...(p.deletionTimestamp
          ? { deletionTimestamp: p.deletionTimestamp, deletionGracePeriodSeconds: 30 }
          : {}),
      },
      spec: {
        ...(p.node ? { nodeName: p.node } : {}),
        containers: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27' }],
        terminationGracePeriodSeconds: 30,
        volumes: p.volumes.map((v) =>
          'emptyDir' in v
            ? { name: v.name, emptyDir: {} }
            : { name: v.name, persistentVolumeClaim: { claimName: v.claimName } },
        ),
      },
      status: {
        phase: p.phase,
        conditions: [{ type: 'Ready', status: p.ready ? 'True' : 'False' }],
      },
    };
  }

  #selects(pdb: Pdb, p: Pod) {
    return p.namespace === pdb.namespace && Object.entries(pdb.selector).every(([k, v]) => p.labels[k] === v);
  }

  /** The disruption controller's arithmetic: expected pods come from the controllers' scale. */
  pdbStatus(pdb: Pdb) {
    const pods = [...this.pods.values()].filter((p) => this.#selects(pdb, p));
    const owners = new Map<string, number>();
    let bare = 0;
    for (const p of pods) {
      const w = p.owner ? this.workloads.get(`${p.owner.kind}/${p.namespace}/${p.owner.name}`) : undefined;
      if (w) owners.set(`${w.kind}/${w.name}`, w.replicas);
      else if (!p.deletionTimestamp) bare += 1;
    }
    const expectedPods = [...owners.values()].reduce((a, b) => a + b, 0) + bare;
    const currentHealthy = pods.filter((p) => this.#healthy(p)).length;
    const desiredHealthy =
      pdb.minAvailable !== undefined
        ? pdb.minAvailable
        : Math.max(0, expectedPods - (pdb.maxUnavailable ?? 0));
    return {
      observedGeneration: 1,
      expectedPods,
      currentHealthy,
      desiredHealthy,
      disruptionsAllowed: Math.max(0, currentHealthy - desiredHealthy),
    };
  }

  #pdbJson(d: Pdb) {
    return {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: d.name, namespace: d.namespace, uid: `uid-pdb-${d.name}` },
      spec: {
        selector: { matchLabels: d.selector },
        ...(d.minAvailable !== undefined ? { minAvailable: d.minAvailable } : {}),
        ...(d.maxUnavailable !== undefined ? { maxUnavailable: d.maxUnavailable } : {}),
      },
      status: this.pdbStatus(d),
    };
  }

  #workloadJson(w: Workload) {
    return {
      apiVersion: 'apps/v1',
      kind: w.kind,
      metadata: {
        name: w.name,
        namespace: w.namespace,
        uid: `uid-${w.name}`,
        ownerReferences: w.owner
          ? [
              {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: w.owner.name,
                uid: `uid-${w.owner.name}`,
                controller: true,
              },
            ]
          : [],
      },
      spec: { replicas: w.replicas, selector: { matchLabels: {} } },
      status: { replicas: w.replicas },
    };
  }

  /** What RBAC calls this request: verb, API group, resource[/subresource], namespace and name. */
  #attributes(method: string, path: string): Attributes | undefined {
    const m = path.match(
      /^\/(?:api\/v1|apis\/([^/]+)\/v1)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/,
    );
    if (!m) return undefined;
    const [, group = '', namespace, resource = '', name, sub] = m;
    const verb =
      method === 'GET'
        ? name
          ? 'get'
          : 'list'
        : method === 'PATCH'
          ? 'patch'
          : method === 'POST'
            ? 'create'
            : 'delete';
    return { verb, group, namespace, resource: sub ? `${resource}/${sub}` : resource, name };
  }

  /** Whether the rules allow it (no rules: cluster-admin). */
  allows(verb: string, group: string, resource: string): boolean {
    if (!this.rules) return true;
    return this.rules.some(
      (r) =>
        (r.apiGroups.includes(group) || r.apiGroups.includes('*')) &&
        (r.resources.includes(resource) || r.resources.includes('*')) &&
        (r.verbs.includes(verb) || r.verbs.includes('*')),
    );
  }

  #forbidden(res: ServerResponse, a: Attributes) {
    const base = a.resource.split('/')[0] as string;
    const subject = a.name ? `${base} "${a.name}"` : base;
    const scope = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
    this.#emit('forbidden', `${a.verb} ${a.resource}`);
    return this.#send(
      res,
      403,
      status(
        403,
        'Forbidden',
        `${subject} is forbidden: User "${this.user}" cannot ${a.verb} resource "${a.resource}" in API group "${a.group}" ${scope}`,
        { ...(a.name ? { name: a.name } : {}), group: a.group || undefined, kind: base },
      ),
    );
  }

  #healthy(p: Pod) {
    return p.phase === 'Running' && p.ready && !p.deletionTimestamp;
  }

  #send(res: ServerResponse, code: number, body: unknown) {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  async #handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', this.url);
    const method = req.method ?? 'GET';
    const contentType = req.headers['content-type']?.split(';')[0];
    let body: unknown;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return this.#send(res, 400, status(400, 'BadRequest', 'the body is not JSON'));
      }
    }
    this.requests.push({
      method,
      path: url.pathname,
      contentType,
      authorization: req.headers.authorization,
      body,
    });

    if (!req.headers.authorization?.startsWith('Bearer k8s-aws-v1.'))
      return this.#send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    const fail = this.failNext;
    if (fail && fail.method === method && url.pathname.includes(fail.pathIncludes)) {
      fail.count = (fail.count ?? 1) - 1;
      if (fail.count <= 0) this.failNext = undefined;
      return this.#send(res, fail.status, status(fail.status, 'InternalError', 'injected failure'));
    }
    this.#schedule();

    const path = url.pathname;
    // Every authenticated user may ask what it may do (system:basic-user).
    if (method === 'POST' && path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')
      return this.#review(res, body);
    const attributes = this.#attributes(method, path);
    if (attributes && !this.allows(attributes.verb, attributes.group, attributes.resource))
      return this.#forbidden(res, attributes);
    const list = (kind: string, items: unknown[]) =>
      this.#send(res, 200, { apiVersion: 'v1', kind, metadata: { resourceVersion: '1' }, items });
    const pdbs = path.match(/^\/apis\/policy\/v1(?:\/namespaces\/([^/]+))?\/poddisruptionbudgets$/);
    if (method === 'GET' && pdbs)
      return list(
        'PodDisruptionBudgetList',
        this.pdbs.filter((d) => !pdbs[1] || d.namespace === pdbs[1]).map((d) => this.#pdbJson(d)),
      );
    const workload = path.match(
      /^\/apis\/apps\/v1\/namespaces\/([^/]+)\/(replicasets|deployments|statefulsets)\/([^/]+)$/,
    );
    if (method === 'GET' && workload) {
      const kind = { replicasets: 'ReplicaSet', deployments: 'Deployment', statefulsets: 'StatefulSet' }[
        workload[2] as string
      ];
      const w = this.workloads.get(`${kind}/${workload[1]}/${workload[3]}`);
      if (!w)
        return this.#send(
          res,
          404,
          status(404, 'NotFound', `${workload[2]}.apps "${workload[3]}" not found`),
        );
      return this.#send(res, 200, this.#workloadJson(w));
    }
    const pvc = path.match(/^\/api\/v1\/namespaces\/([^/]+)\/persistentvolumeclaims\/([^/]+)$/);
    if (method === 'GET' && pvc) {
      const c = this.pvcs.get(`${pvc[1]}/${pvc[2]}`);
      if (!c)
        return this.#send(res, 404, status(404, 'NotFound', `persistentvolumeclaims "${pvc[2]}" not found`));
      return this.#send(res, 200, {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: c.name, namespace: c.namespace },
        spec: { volumeName: c.volumeName },
        status: { phase: 'Bound' },
      });
    }
    const pv = path.match(/^\/api\/v1\/persistentvolumes\/([^/]+)$/);
    if (method === 'GET' && pv) {
      const v = this.pvs.get(pv[1] as string);
      if (!v) return this.#send(res, 404, status(404, 'NotFound', `persistentvolumes "${pv[1]}" not found`));
      return this.#send(res, 200, {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name: v.name },
        spec: v.localPath
          ? {
              local: { path: v.localPath },
              nodeAffinity: {
                required: {
                  nodeSelectorTerms: [
                    {
                      matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [v.node] }],
                    },
                  ],
                },
              },
            }
          : { csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-0abc' } },
      });
    }
    if (method === 'GET' && path === '/api/v1/nodes') {
      return this.#send(res, 200, {
        apiVersion: 'v1',
        kind: 'NodeList',
        metadata: { resourceVersion: '1' },
        items: [...this.nodes.values()].map((n) => this.#nodeJson(n)),
      });
    }
    const nodePath = path.match(/^\/api\/v1\/nodes\/([^/]+)$/);
    if (nodePath) {
      const name = decodeURIComponent(nodePath[1] as string);
      const node = this.nodes.get(name);
      if (!node) return this.#send(res, 404, status(404, 'NotFound', `nodes "${name}" not found`));
      if (method === 'GET') return this.#send(res, 200, this.#nodeJson(node));
      if (method === 'PATCH') return this.#patchNode(res, node, contentType, body);
    }
    const nsPods = path.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/);
    if (method === 'GET' && (nsPods || path === '/api/v1/pods')) {
      const namespace = nsPods?.[1];
      const selector = url.searchParams.get('fieldSelector');
      let nodeName: string | undefined;
      if (selector) {
        const sm = selector.match(/^spec\.nodeName=(.*)$/);
        if (!sm)
          return this.#send(res, 400, status(400, 'BadRequest', `unsupported field selector ${selector}`));
        nodeName = sm[1];
      }
      const items = [...this.pods.values()].filter(
        (p) =>
          (!namespace || p.namespace === namespace) &&
          (nodeName === undefined || (p.node ?? '') === nodeName),
      );
      return this.#send(res, 200, {
        apiVersion: 'v1',
        kind: 'PodList',
        metadata: { resourceVersion: '1' },
        items: items.map((p) => this.#podJson(p)),
      });
    }
    const eviction = path.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/eviction$/);
    if (method === 'POST' && eviction) {
      return this.#evict(res, eviction[1] as string, eviction[2] as string, body);
    }
    return this.#send(res, 404, status(404, 'NotFound', `the fake has no ${method} ${path}`));
  }

  /** SelfSubjectAccessReview: answered from the same rules the requests are checked against. */
  #review(res: ServerResponse, body: unknown) {
    const spec = (body as { spec?: { resourceAttributes?: Record<string, string> } } | undefined)?.spec;
    const a = spec?.resourceAttributes;
    if (!a?.verb || a.resource === undefined)
      return this.#send(res, 400, status(400, 'BadRequest', 'spec.resourceAttributes is required'));
    const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const allowed = this.allows(a.verb, a.group ?? '', resource);
    return this.#send(res, 201, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec,
      status: allowed
        ? { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "spotops-drain"' }
        : { allowed: false },
    });
  }

  #patchNode(res: ServerResponse, node: Node, contentType: string | undefined, body: unknown) {
    let unschedulable: boolean | undefined;
    if (
      contentType === 'application/merge-patch+json' ||
      contentType === 'application/strategic-merge-patch+json'
    ) {
      if (!body || typeof body !== 'object' || Array.isArray(body))
        return this.#send(res, 400, status(400, 'BadRequest', 'a merge patch must be an object'));
      const spec = (body as { spec?: { unschedulable?: boolean | null } }).spec;
      if (spec && 'unschedulable' in spec) unschedulable = spec.unschedulable === true;
    } else if (contentType === 'application/json-patch+json') {
      if (!Array.isArray(body))
        return this.#send(
          res,
          400,
          status(
            400,
            'BadRequest',
            'json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp',
          ),
        );
      for (const op of body as { op: string; path: string; value?: unknown }[]) {
        if (op.path !== '/spec/unschedulable')
          return this.#send(res, 422, status(422, 'Invalid', `the fake does not patch ${op.path}`));
        unschedulable = op.op === 'remove' ? false : op.value === true;
      }
    } else {
      return this.#send(
        res,
        415,
        status(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
        ),
      );
    }
    if (unschedulable !== undefined && unschedulable !== node.unschedulable) {
      node.unschedulable = unschedulable;
      this.#emit(unschedulable ? 'cordon' : 'uncordon', node.name);
    }
    this.#schedule();
    return this.#send(res, 200, this.#nodeJson(node));
  }

  #evict(res: ServerResponse, namespace: string, name: string, body: unknown) {
    const b = body as { apiVersion?: string; kind?: string; metadata?: { name?: string } } | undefined;
    if (b?.kind !== 'Eviction' || b.apiVersion !== 'policy/v1' || b.metadata?.name !== name)
      return this.#send(
        res,
        400,
        status(400, 'BadRequest', 'the body must be a policy/v1 Eviction of this pod'),
      );
    const pod = [...this.pods.values()].find((p) => p.namespace === namespace && p.name === name);
    if (!pod) return this.#send(res, 404, status(404, 'NotFound', `pods "${name}" not found`));
    const ref = `${namespace}/${name}`;
    // PDBs only protect healthy pods; Pending, finished or terminating pods go without a check.
    if (this.#healthy(pod)) {
      for (const pdb of this.pdbs.filter((d) => this.#selects(d, pod))) {
        const st = this.pdbStatus(pdb);
        if (st.disruptionsAllowed <= 0) {
          this.#emit('eviction-blocked', ref);
          return this.#send(
            res,
            429,
            status(
              429,
              'TooManyRequests',
              "Cannot evict pod as it would violate the pod's disruption budget.",
              {
                causes: [
                  {
                    reason: 'DisruptionBudget',
                    message: `The disruption budget ${pdb.name} needs ${st.desiredHealthy} healthy pods and has ${st.currentHealthy} currently`,
                  },
                ],
              },
            ),
          );
        }
      }
    }
    if (!pod.deletionTimestamp) {
      pod.deletionTimestamp = '2026-03-01T12:00:30Z';
      pod.ready = false;
      this.#emit('evicted', ref);
      const owner = pod.owner;
      // A ReplicaSet replaces the pod at once (a new name); a StatefulSet only once the old one is
      // gone (the same name, and its identity, cannot exist twice).
      const recreate = () => {
        const replacement = this.addPod({
          name: owner?.kind === 'StatefulSet' ? pod.name : `${owner?.name}-${randomUUID().slice(0, 5)}`,
          namespace,
          node: '',
          app: pod.app,
          labels: pod.labels,
          annotations: pod.annotations,
          volumes: pod.volumes,
          owner,
          phase: 'Pending',
        });
        replacement.node = undefined;
        this.#schedule();
      };
      if (owner?.kind === 'ReplicaSet') recreate();
      this.#later(pod.graceMs ?? this.#opts.deleteDelayMs, () => {
        this.pods.delete(pod.uid);
        this.#emit('pod-gone', ref);
        if (owner?.kind === 'StatefulSet') recreate();
      });
    }
    return this.#send(res, 201, status(201, '', '', undefined));
  }
}

export async function startFakeKube(opts: FakeKubeOptions = {}): Promise<FakeKube> {
  return new FakeKube(opts).start();
}
