// What the role may do in the cluster, asked before anything changes: one SelfSubjectAccessReview
// (authorization.k8s.io/v1) per verb the node replacement needs. Asking is always allowed
// (system:basic-user), so a missing rule shows up here, not halfway through a drain with an extra
// node already launched.
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeClientModule, readKube } from './client.js';

export interface AccessRule {
  /** "" = the core group. */
  group: string;
  resource: string;
  subresource?: string;
  verb: string;
}

/** kubernetes.md "Minimum RBAC for a drain", plus the reads of the readiness check (readiness.ts). */
export const DRAIN_ACCESS: readonly AccessRule[] = [
  { group: '', resource: 'nodes', verb: 'get' },
  { group: '', resource: 'nodes', verb: 'list' },
  { group: '', resource: 'nodes', verb: 'patch' },
  { group: '', resource: 'pods', verb: 'get' },
  { group: '', resource: 'pods', verb: 'list' },
  { group: '', resource: 'pods', subresource: 'eviction', verb: 'create' },
  { group: 'policy', resource: 'poddisruptionbudgets', verb: 'list' },
  { group: 'apps', resource: 'replicasets', verb: 'get' },
  { group: 'apps', resource: 'deployments', verb: 'get' },
  { group: 'apps', resource: 'statefulsets', verb: 'get' },
  { group: '', resource: 'persistentvolumeclaims', verb: 'get' },
  { group: '', resource: 'persistentvolumes', verb: 'get' },
];

/** "create pods/eviction", "list policy/poddisruptionbudgets": how the card and the README name a rule. */
export function ruleLabel(r: AccessRule): string {
  const resource = r.subresource ? `${r.resource}/${r.subresource}` : r.resource;
  return `${r.verb} ${r.group ? `${r.group}/` : ''}${resource}`;
}

/** The rules the caller lacks (cluster-wide: the drain touches every namespace). */
export async function missingAccess(
  kc: KubeConfig,
  rules: readonly AccessRule[] = DRAIN_ACCESS,
): Promise<AccessRule[]> {
  const { AuthorizationV1Api } = await kubeClientModule();
  const api = kc.makeApiClient(AuthorizationV1Api);
  const missing: AccessRule[] = [];
  for (const r of rules) {
    const review = await readKube(
      `asking the cluster whether the role may ${ruleLabel(r)}`,
      'create authorization.k8s.io/selfsubjectaccessreviews',
      () =>
        api.createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: {
              resourceAttributes: {
                group: r.group,
                resource: r.resource,
                ...(r.subresource ? { subresource: r.subresource } : {}),
                verb: r.verb,
              },
            },
          },
        }),
    );
    if (!review.status?.allowed) missing.push(r);
  }
  return missing;
}
