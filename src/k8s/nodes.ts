// Nodes of an EKS cluster by EC2 instance: find (spec.providerID = aws:///<az>/<instance-id>),
// wait until Ready, cordon and uncordon. Cordon is a merge patch of spec.unschedulable, sent with
// the merge-patch Content-Type: client-node 1.x defaults to JSON Patch, which needs an array.
import type { CoreV1Api, V1Node } from '@kubernetes/client-node';
import type { MutationContext } from '../aws/dry-run.js';
import { pollUntil } from '../aws/spot-waiters.js';
import type { WaitContext } from '../aws/waiters.js';
import { kubeClientModule, mutateKube, readKube } from './client.js';

export async function listNodes(api: CoreV1Api): Promise<V1Node[]> {
  const list = await readKube('listing the nodes', 'list nodes', () => api.listNode());
  return list.items;
}

export function instanceIdOf(node: V1Node): string | undefined {
  return node.spec?.providerID?.split('/').pop() || undefined;
}

/** The node running the instance, if it joined the cluster. */
export async function nodeOfInstance(api: CoreV1Api, instanceId: string): Promise<V1Node | undefined> {
  return (await listNodes(api)).find((n) => n.spec?.providerID?.endsWith(`/${instanceId}`));
}

export function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export const nodeName = (node: V1Node): string => node.metadata?.name ?? '';

/** Until the instance has joined the cluster as a Ready node; returns the node. */
export async function waitNodeReady(ctx: WaitContext, api: CoreV1Api, instanceId: string): Promise<V1Node> {
  let ready: V1Node | undefined;
  await pollUntil(ctx, `${instanceId} to join the cluster as a Ready node`, async () => {
    const node = await nodeOfInstance(api, instanceId);
    if (node && isReady(node)) ready = node;
    return ready !== undefined;
  });
  return ready as V1Node;
}

async function setUnschedulable(
  ctx: MutationContext,
  api: CoreV1Api,
  name: string,
  unschedulable: boolean,
): Promise<boolean> {
  const { PatchStrategy, setHeaderOptions } = await kubeClientModule();
  const res = await mutateKube(ctx, 'patch nodes', () =>
    api.patchNode(
      // Merge patch: `null` removes the field, as `kubectl uncordon` leaves it.
      { name, body: { spec: { unschedulable: unschedulable ? true : null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    ),
  );
  return !res.dryRun;
}

/** spec.unschedulable = true. Returns false in dry-run mode (nothing sent). */
export function cordon(ctx: MutationContext, api: CoreV1Api, name: string): Promise<boolean> {
  return setUnschedulable(ctx, api, name, true).catch((cause) => {
    throw wrap(`cordoning ${name}`, cause);
  });
}

export function uncordon(ctx: MutationContext, api: CoreV1Api, name: string): Promise<boolean> {
  return setUnschedulable(ctx, api, name, false).catch((cause) => {
    throw wrap(`uncordoning ${name}`, cause);
  });
}

// A PermissionError keeps its own message so the missing RBAC rule shows in the thread.
function wrap(what: string, cause: unknown): Error {
  if (cause instanceof Error && cause.name === 'PermissionError') return cause;
  return new Error(what, { cause });
}
