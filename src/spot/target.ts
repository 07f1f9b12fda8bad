// What `/spot evaluate` can be pointed at: one instance (lab mode), an Auto Scaling group, or an
// EKS managed node group; optionally in a named account and region.
import { parseAccountName } from '../accounts/validation.js';
import { UserError } from '../lib/errors.js';

export type SpotTarget =
  | { mode: 'lab'; instanceId: string }
  | { mode: 'asg'; groupName: string }
  | { mode: 'k8s'; cluster: string; nodegroup: string };

export interface EvaluateRequest {
  target: SpotTarget;
  account?: string;
  region?: string;
}

export const EVALUATE_USAGE =
  'evaluate <i-...|asg:<name>|eks:<cluster>/<nodegroup>> [@account] [in <region>]';

const INSTANCE = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const ASG = /^asg:([\w.@+=,:/-]{1,255})$/;
const EKS = /^eks:([A-Za-z0-9][\w-]{0,99})\/([A-Za-z0-9][\w-]{0,62})$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

export function parseTarget(raw: string): SpotTarget {
  if (INSTANCE.test(raw)) return { mode: 'lab', instanceId: raw };
  const asg = ASG.exec(raw);
  if (asg) return { mode: 'asg', groupName: asg[1]! };
  const eks = EKS.exec(raw);
  if (eks) return { mode: 'k8s', cluster: eks[1]!, nodegroup: eks[2]! };
  if (/^i-/.test(raw)) {
    throw new UserError(
      `\`${raw.slice(0, 40)}\` is not an instance ID: they look like \`i-0abc1234def567890\`.`,
    );
  }
  throw new UserError(
    `\`${raw.slice(0, 60)}\` is not something spotops can evaluate. Try an instance (\`i-0abc1234def567890\`), ` +
      'an Auto Scaling group (`asg:web-prod`) or an EKS node group (`eks:prod-cluster/general`).',
  );
}

export function parseEvaluateArgs(args: readonly string[]): EvaluateRequest {
  let target: SpotTarget | undefined;
  let account: string | undefined;
  let region: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word === 'in') {
      const r = args[++i];
      if (!r || !REGION.test(r))
        throw new UserError(`\`in\` must be followed by a region, e.g. \`in us-east-1\`.`);
      region = r;
    } else if (word.startsWith('@')) {
      account = parseAccountName(word.slice(1));
    } else if (target) {
      throw new UserError(`Evaluate one target at a time (got \`${word.slice(0, 40)}\` as well).`);
    } else {
      target = parseTarget(word);
    }
  }
  if (!target) throw new UserError(`What should I evaluate? \`/spot ${EVALUATE_USAGE}\``);
  return { target, account, region };
}
