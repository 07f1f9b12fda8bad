// A Kubernetes client for an EKS cluster, built in memory: endpoint and CA from
// eks:DescribeCluster, a bearer token minted from the account's role (eks-token.ts). No kubeconfig
// file, no exec plugin. Tests inject a KubeConfig factory that points at a plain-http fake server.
//
// Kubernetes RBAC a cluster admin must grant to the role (EKS access entry or aws-auth mapping to a
// group bound to this ClusterRole) for the node replacement:
//   apiGroups: [""]        resources: ["nodes"]          verbs: ["get", "list", "patch"]
//   apiGroups: [""]        resources: ["pods"]           verbs: ["get", "list"]
//   apiGroups: [""]        resources: ["pods/eviction"]  verbs: ["create"]
//   apiGroups: ["policy"]  resources: ["poddisruptionbudgets"] verbs: ["list"]
//   apiGroups: ["apps"]    resources: ["replicasets", "deployments", "statefulsets"] verbs: ["get"]
//   apiGroups: [""]        resources: ["persistentvolumeclaims", "persistentvolumes"] verbs: ["get"]
// (the last three: the readiness check, k8s/readiness.ts; k8s/access-review.ts checks them all.)
// @kubernetes/client-node (~70 MB resident) and the EKS commands are imported on first use: a
// process that never replaces an EKS node never loads them.
import type { EKSClient } from '@aws-sdk/client-eks';
import type { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { AccountAccess } from '../aws/clients.js';
import type { MutationContext } from '../aws/dry-run.js';
import { awsErrorCode, PermissionError } from '../lib/errors.js';
import { type EksTokenCache, eksTokens } from './eks-token.js';

export interface ClusterAccess {
  name: string;
  /** https://XXXX.gr7.us-east-1.eks.amazonaws.com */
  endpoint: string;
  /** Base64 PEM of the cluster CA, as DescribeCluster returns it. */
  caData?: string;
  token: string;
}

export type KubeConfigFactory = (cluster: ClusterAccess) => KubeConfig | Promise<KubeConfig>;

/** The Kubernetes client library, loaded once on first use. */
export const kubeClientModule = (): Promise<typeof import('@kubernetes/client-node')> =>
  import('@kubernetes/client-node');

/** The production factory: TLS against the cluster's own CA, bearer token auth. */
export const eksKubeConfig: KubeConfigFactory = async (c) => {
  const { KubeConfig } = await kubeClientModule();
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: c.name, server: c.endpoint, caData: c.caData, skipTLSVerify: false }],
    users: [{ name: 'spotops', token: c.token }],
    contexts: [{ name: c.name, cluster: c.name, user: 'spotops' }],
    currentContext: c.name,
  });
  return kc;
};

export interface EksCluster {
  name: string;
  endpoint: string;
  caData?: string;
  status?: string;
}

function isAccessDenied(err: unknown): boolean {
  const code = awsErrorCode(err);
  return code === 'AccessDeniedException' || code === 'AccessDenied' || code === 'UnauthorizedOperation';
}

export function isEksNotFound(err: unknown): boolean {
  return awsErrorCode(err) === 'ResourceNotFoundException';
}

/** eks:DescribeCluster; undefined when the cluster does not exist. */
export async function describeCluster(eks: EKSClient, name: string): Promise<EksCluster | undefined> {
  try {
    const { DescribeClusterCommand } = await import('@aws-sdk/client-eks');
    const out = await eks.send(new DescribeClusterCommand({ name }));
    const c = out.cluster;
    if (!c?.endpoint) throw new Error(`DescribeCluster returned no endpoint for ${name}`);
    return { name, endpoint: c.endpoint, caData: c.certificateAuthority?.data, status: c.status };
  } catch (err) {
    if (isEksNotFound(err)) return undefined;
    if (isAccessDenied(err)) throw new PermissionError('eks:DescribeCluster', undefined, { cause: err });
    throw new Error(`describing the EKS cluster ${name}`, { cause: err });
  }
}

export interface ConnectOptions {
  kubeConfig?: KubeConfigFactory;
  tokens?: EksTokenCache;
}

/** A CoreV1Api for the cluster, authenticated as the account's role. */
export async function connectCluster(
  aws: AccountAccess,
  region: string,
  cluster: string,
  opts: ConnectOptions = {},
): Promise<CoreV1Api> {
  const kc = await connectClusterConfig(aws, region, cluster, opts);
  const { CoreV1Api } = await kubeClientModule();
  return kc.makeApiClient(CoreV1Api);
}

/** The KubeConfig for the cluster (for the APIs beyond core: apps, policy, authorization). */
export async function connectClusterConfig(
  aws: AccountAccess,
  region: string,
  cluster: string,
  opts: ConnectOptions = {},
): Promise<KubeConfig> {
  const found = await describeCluster(aws.eks(region), cluster);
  if (!found) throw new Error(`the EKS cluster ${cluster} does not exist in ${region}`);
  const tokens = opts.tokens ?? eksTokens;
  const token = await tokens.token({
    cluster,
    region,
    credentials: aws.sts(region).config.credentials,
  });
  return (opts.kubeConfig ?? eksKubeConfig)({ ...found, token });
}

/** HTTP status of a client-node ApiException (undefined for network errors). */
export function kubeStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The Status object a Kubernetes error carries (ApiException.body is the raw response text). */
export function kubeErrorBody(err: unknown): { reason?: string; message?: string; details?: unknown } {
  const body = (err as { body?: unknown } | undefined)?.body;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body);
    } catch {
      return { message: body };
    }
  }
  return body && typeof body === 'object' ? (body as { reason?: string }) : {};
}

/**
 * The Kubernetes counterpart of mutateEc2 for mutating calls: in dry-run mode nothing is sent; a
 * 403 becomes a PermissionError naming the RBAC rule the role lacks.
 */
export async function mutateKube<T>(
  ctx: MutationContext,
  rbac: string,
  send: () => Promise<T>,
): Promise<{ dryRun: true } | { dryRun: false; result: T }> {
  if (ctx.dryRun) return { dryRun: true };
  try {
    return { dryRun: false, result: await send() };
  } catch (err) {
    if (kubeStatus(err) === 403)
      throw new PermissionError(`Kubernetes RBAC ${rbac}`, kubeErrorBody(err).message, { cause: err });
    throw err;
  }
}

/** Reads; a 401/403 is a PermissionError too (the role is not mapped into the cluster). */
export async function readKube<T>(what: string, rbac: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    const status = kubeStatus(err);
    if (status === 401)
      throw new PermissionError(
        'access to the cluster',
        'the API server rejected the token: map the role with an EKS access entry',
        { cause: err },
      );
    if (status === 403)
      throw new PermissionError(`Kubernetes RBAC ${rbac}`, kubeErrorBody(err).message, { cause: err });
    throw new Error(what, { cause: err });
  }
}
