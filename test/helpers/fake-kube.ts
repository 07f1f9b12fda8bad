// A fake Kubernetes API server (node:http on 127.0.0.1, JSON only) that behaves like a real one
// where node replacement depends on it (see the notes on kube-apiserver 1.24):
// - nodes carry spec.providerID (aws:///<az>/<instance-id>) and a Ready condition;
// - PATCH of a node needs a patch Content-Type: merge patch objects, JSON Patch arrays (400 otherwise);
// - pods are listed with fieldSelector spec.nodeName=<node>;
// - Eviction (policy/v1) is 201 when allowed and 429 TooManyRequests / DisruptionBudget when a PDB
//   (minAvailable per app label, counting only Running+Ready pods not being deleted) would break;
// - an evicted pod keeps a deletionTimestamp and disappears after `deleteDelayMs`;
// - a ReplicaSet pod that is evicted is recreated Pending, scheduled on an uncordoned Ready node
//   only, and becomes Running+Ready after `startDelayMs` (so the PDB allows one more disruption).
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
}

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
  | 'pod-ready';

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
}

interface Pod {
  uid: string;
  namespace: string;
  name: string;
  app?: string;
  owner?: { kind: 'DaemonSet' | 'ReplicaSet'; name: string };
  mirror?: boolean;
  node?: string;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Failed';
  ready: boolean;
  deletionTimestamp?: string;
}

export interface PodSpec {
  name: string;
  namespace?: string;
  node: string;
  app?: string;
  owner?: { kind: 'DaemonSet' | 'ReplicaSet'; name: string };
  mirror?: boolean;
  phase?: Pod['phase'];
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
  readonly pdbs: { name: string; app: string; minAvailable: number }[] = [];
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
    this.#opts = { deleteDelayMs: 50, startDelayMs: 20, nodeReadyDelayMs: 20, ...opts };
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
  addNode(instanceId: string, o: { name?: string; az?: string; ready?: boolean } = {}): string {
    const name = o.name ?? `ip-${instanceId.replace(/^i-/, '')}.ec2.internal`;
    const node: Node = {
      name,
      instanceId,
      az: o.az ?? 'us-east-1a',
      ready: o.ready ?? true,
      unschedulable: false,
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

  addPod(spec: PodSpec): Pod {
    const pod: Pod = {
      uid: randomUUID(),
      namespace: spec.namespace ?? 'default',
      name: spec.name,
      app: spec.app,
      owner: spec.owner,
      mirror: spec.mirror,
      node: spec.node,
      phase: spec.phase ?? 'Running',
      ready: (spec.phase ?? 'Running') === 'Running',
    };
    this.pods.set(pod.uid, pod);
    return pod;
  }

  addPdb(app: string, minAvailable: number): void {
    this.pdbs.push({ name: `${app}-pdb`, app, minAvailable });
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
        },
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
        labels: p.app ? { app: p.app } : {},
        annotations: p.mirror ? { 'kubernetes.io/config.mirror': 'c0ffee' } : {},
        ownerReferences: p.owner
          ? [
              {
                apiVersion: 'apps/v1',
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
      },
      status: {
        phase: p.phase,
        conditions: [{ type: 'Ready', status: p.ready ? 'True' : 'False' }],
      },
    };
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
      for (const pdb of this.pdbs.filter((d) => d.app === pod.app)) {
        const healthy = [...this.pods.values()].filter((p) => p.app === pdb.app && this.#healthy(p)).length;
        if (healthy - 1 < pdb.minAvailable) {
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
                    message: `The disruption budget ${pdb.name} needs ${pdb.minAvailable} healthy pods and has ${healthy} currently`,
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
      if (pod.owner?.kind === 'ReplicaSet') {
        const replacement = this.addPod({
          name: `${pod.owner.name}-${randomUUID().slice(0, 5)}`,
          namespace,
          node: '',
          app: pod.app,
          owner: pod.owner,
          phase: 'Pending',
        });
        replacement.node = undefined;
        this.#schedule();
      }
      this.#later(this.#opts.deleteDelayMs, () => {
        this.pods.delete(pod.uid);
        this.#emit('pod-gone', ref);
      });
    }
    return this.#send(res, 201, status(201, '', '', undefined));
  }
}

export async function startFakeKube(opts: FakeKubeOptions = {}): Promise<FakeKube> {
  return new FakeKube(opts).start();
}
