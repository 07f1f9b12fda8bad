// Parsing of what people type about accounts: names, environments, regions, role ARNs, users.
import { UserError } from '../lib/errors.js';

const NAME = /^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$/;
// Commercial, China and GovCloud partitions; role paths allowed.
const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;

export function parseAccountName(raw: string | undefined): string {
  if (!raw) throw new UserError('Give the account a name, e.g. `payments-prod`.');
  if (!NAME.test(raw)) {
    throw new UserError(
      `\`${raw.slice(0, 60)}\` is not a valid account name: use 3-40 lowercase letters, digits and dashes, e.g. \`payments-prod\`.`,
    );
  }
  return raw;
}

export function parseEnvironment(raw: string | undefined): 'PROD' | 'LAB' | undefined {
  if (raw === undefined) return undefined;
  const v = raw.toLowerCase();
  if (v === 'prod' || v === 'production') return 'PROD';
  if (v === 'lab' || v === 'dev' || v === 'test') return 'LAB';
  return undefined;
}

export function parseRegions(raw: string | undefined, fallback: string): string[] {
  if (!raw) return [fallback];
  const regions = [
    ...new Set(
      raw
        .split(',')
        .map((r) => r.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  const bad = regions.filter((r) => !REGION.test(r));
  if (bad.length > 0 || regions.length === 0) {
    throw new UserError(
      `\`${bad.join(', ') || raw}\` is not a list of AWS regions, e.g. \`us-east-1,eu-west-1\`.`,
    );
  }
  return regions;
}

export interface RoleArn {
  arn: string;
  partition: string;
  accountId: string;
  roleName: string;
}

export function parseRoleArn(raw: string | undefined): RoleArn {
  // Slack may wrap pasted text in <...> when it looks like a link.
  const arn = raw?.replace(/^<|>$/g, '');
  const m = arn ? ROLE_ARN.exec(arn) : null;
  if (!arn || !m) {
    throw new UserError(
      `\`${(raw ?? '').slice(0, 100) || '(nothing)'}\` is not an IAM role ARN. It looks like ` +
        '`arn:aws:iam::123456789012:role/SpotOpsRole`; the CloudFormation stack shows it in its Outputs (RoleArn).',
    );
  }
  return { arn, partition: m[1]!, accountId: m[2]!, roleName: m[3]! };
}

/** Slack user mentions (`<@U123>` / `<@U123|name>`), user-group mentions (`<!subteam^S1|@g>`) or bare IDs. */
export function parseApprovers(tokens: readonly string[]): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    const user = /^<@([UW][A-Z0-9]+)(\|[^>]*)?>$/.exec(token) ?? /^([UW][A-Z0-9]{6,})$/.exec(token);
    const group = /^<!subteam\^(S[A-Z0-9]+)(\|[^>]*)?>$/.exec(token);
    if (user) out.push(user[1]!);
    else if (group) out.push(`subteam:${group[1]!}`);
    else {
      throw new UserError(
        `\`${token.slice(0, 60)}\` is not a Slack user or user group: mention them, e.g. \`@alice @platform-team\`.`,
      );
    }
  }
  return [...new Set(out)];
}
