// What a Spot card checks before it offers Approve: the path the move would take, and every
// reason it cannot run now. ASGs (and the ASG behind an EKS node group): asg-preflight.ts. EKS
// node groups also: the role's Kubernetes RBAC for the drain (SelfSubjectAccessReview) and the
// drain readiness of each node (k8s/readiness.ts), whose reasons an approver may override.

import { asgPreflight } from '../aws/asg-preflight.js';
import type { Deps } from '../deps.js';
import { missingAccess, ruleLabel } from '../k8s/access-review.js';
import { connectClusterConfig, kubeClientModule } from '../k8s/client.js';
import { instanceIdOf, listNodes, nodeName } from '../k8s/nodes.js';
import { drainReadiness, groupFindings } from '../k8s/readiness.js';
import { clipLine, describeError } from '../lib/errors.js';
import type { Preflight, PreflightRefusal } from './card-input.js';
import type { LocatedTarget } from './locate.js';

export const ASG_PATH =
  "Spot clones launched from the group's launch template, one at a time: attach the clone, then detach and terminate the old instance (capacity never below desired).";

/** Lab switch: volumes travel through the AMI (aws/launch-spec.ts), not by detach/attach. */
export const LAB_PATH =
  'An AMI of the instance snapshots every EBS volume; the Spot clone gets each volume back from its own snapshot (new volume ids; same device, size, type, IOPS, throughput, encryption and DeleteOnTermination), with the same network, profile, user data, tags and options. Volumes that outlive the old instance are listed afterwards with their cost, proposed for deletion.';

/** Said on the card: the node group itself stays ON_DEMAND on this path. */
export const K8S_CLONE_PATH =
  "Unmanaged Spot clones from the node group's launch template, attached to its Auto Scaling group; each old node is cordoned and drained (PDBs respected) once its clone is Ready. The node group stays ON_DEMAND: its own scale-outs and replacements launch On-Demand.";

export async function preflightFor(deps: Deps, located: LocatedTarget): Promise<Preflight | null> {
  const { target, region, groupName } = located;
  if (located.blocker) return null;
  if (target.mode === 'lab') return { path: LAB_PATH, refusals: [] };
  if (!groupName) return null;
  const aws = deps.awsFor(located.account);
  let group: Awaited<ReturnType<typeof asgPreflight>>;
  try {
    group = await asgPreflight(aws.autoScaling(region), aws.ec2(region), groupName);
  } catch (err) {
    // The card says it could not check rather than offering an Approve that may only fail.
    deps.log.warn({ err, group: groupName }, 'the ASG preflight of a Spot evaluation failed');
    group = {
      refusals: [
        {
          code: 'preflight',
          title: `spotops could not check ${groupName}: ${clipLine(describeError(err), 300)}`,
          objects: [],
        },
      ],
      notes: [],
    };
  }
  if (target.mode === 'asg') return { path: ASG_PATH, refusals: group.refusals, notes: group.notes };

  const refusals: PreflightRefusal[] = [...group.refusals];
  try {
    const kc = await connectClusterConfig(aws, region, target.cluster, {
      kubeConfig: deps.kube?.config,
      tokens: deps.kube?.tokens,
    });
    const missing = await missingAccess(kc);
    if (missing.length > 0) {
      refusals.push({
        code: 'rbac',
        title: `the role lacks Kubernetes RBAC in ${target.cluster}`,
        objects: missing.map(ruleLabel),
      });
    } else {
      const ids = new Set(located.onDemandInstanceIds ?? []);
      const { CoreV1Api } = await kubeClientModule();
      const nodes = (await listNodes(kc.makeApiClient(CoreV1Api)))
        .filter((n) => ids.has(instanceIdOf(n) ?? ''))
        .map(nodeName);
      const { findings } = await drainReadiness(kc, nodes);
      for (const g of groupFindings(findings))
        refusals.push({ code: g.reason, title: g.title, objects: g.objects, overridable: true });
    }
  } catch (err) {
    deps.log.warn({ err, cluster: target.cluster }, 'checking the cluster for a Spot evaluation failed');
    refusals.push({
      code: 'cluster',
      title: `spotops could not check ${target.cluster}: ${clipLine(describeError(err), 300)}`,
      objects: [],
    });
  }
  return { path: K8S_CLONE_PATH, refusals, notes: group.notes };
}
