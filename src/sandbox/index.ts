// The sandbox AWS side: the simulated accounts (seeded at first start, saved beside the database)
// and the account rows that point at them, created verified so scans and approvals work at once.
// Real accounts keep the real client factory; only the sandbox's own account ids are simulated.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PricingClient } from '@aws-sdk/client-pricing';
import type { STSClient } from '@aws-sdk/client-sts';
import { findAccount } from '../accounts/store.js';
import type { AccountAccess } from '../aws/clients.js';
import type { Db } from '../db/client.js';
import { type Account, accounts } from '../db/schema.js';
import { recordSightings } from '../scanners/sightings.js';
import { sandboxAccess, sandboxOperatorSts, sandboxPricing } from './clients.js';
import { OPERATOR_ACCOUNT, SANDBOX_ACCOUNTS, SANDBOX_REGION, seedWorld } from './seed.js';
import { Simulator } from './simulator.js';
import { loadWorld } from './world.js';

export interface SandboxAws {
  sim: Simulator;
  /** Clients for a simulated account; undefined for any other (a real one). */
  accessFor(account: Pick<Account, 'roleArn'>, actor: string): AccountAccess | undefined;
  /** The operator identity the sandbox answers as (when no real AWS credentials are present). */
  operatorSts(region: string): STSClient;
  pricing(region: string): PricingClient;
}

/** The AWS account id a role ARN names. */
function accountOf(roleArn: string | null): string | undefined {
  return roleArn ? /^arn:aws:iam::(\d{12}):role\//.exec(roleArn)?.[1] : undefined;
}

export function sandboxRoleArn(awsAccountId: string, name: string): string {
  return `arn:aws:iam::${awsAccountId}:role/SpotOps-${name}`;
}

/** Opens (or seeds) the simulated accounts; `dataDir` keeps their state across restarts. */
export function openSandboxAws(opts: { dataDir?: string; now?: () => Date } = {}): SandboxAws {
  const now = opts.now ?? (() => new Date());
  let savePath: string | undefined;
  if (opts.dataDir) {
    mkdirSync(opts.dataDir, { recursive: true });
    savePath = join(opts.dataDir, 'sandbox-aws.json');
  }
  const world = (savePath && loadWorld(savePath)) || seedWorld(now());
  const sim = new Simulator(world, { now, savePath });
  const simulated = new Set<string>(SANDBOX_ACCOUNTS.map((a) => a.awsAccountId));
  const cache = new Map<string, AccountAccess>();
  return {
    sim,
    accessFor(account, actor) {
      const id = accountOf(account.roleArn);
      if (!id || !simulated.has(id)) return undefined;
      const key = `${id}|${actor}`;
      let access = cache.get(key);
      if (!access) {
        access = sandboxAccess(sim, id, actor);
        cache.set(key, access);
      }
      return access;
    },
    operatorSts: (region) => sandboxOperatorSts(sim, OPERATOR_ACCOUNT, region),
    pricing: (region) => sandboxPricing(sim, OPERATOR_ACCOUNT, region),
  };
}

/**
 * Creates the `sandbox` (LAB) and `sandbox-prod` (PROD) account rows once, verified, posting to
 * `channel`, approved by `approvers`. Existing rows are left as the people using the sandbox left them.
 */
export async function ensureSandboxAccounts(
  db: Db,
  sandbox: SandboxAws,
  channel: string,
  approvers: string[],
): Promise<Account[]> {
  const out: Account[] = [];
  for (const a of SANDBOX_ACCOUNTS) {
    const existing = await findAccount(db, a.name);
    if (existing) {
      out.push(existing);
      continue;
    }
    const [row] = await db
      .insert(accounts)
      .values({
        name: a.name,
        awsAccountId: a.awsAccountId,
        roleArn: sandboxRoleArn(a.awsAccountId, a.name),
        externalId: randomBytes(16).toString('hex'),
        environment: a.environment,
        regions: [SANDBOX_REGION],
        slackChannel: channel,
        approvers,
        status: 'verified',
        createdBy: 'sandbox',
        verifiedAt: new Date(),
      })
      .returning();
    out.push(row!);
    await backdateSightings(db, sandbox, row!);
  }
  return out;
}

/**
 * spotops measures "unattached for N days" from its own first sighting (AWS keeps no detach
 * time). A new sandbox account has been watched for no time at all, so its left-over volumes are
 * recorded as first seen when they were created: compressed time, as elsewhere in the sandbox.
 */
async function backdateSightings(db: Db, sandbox: SandboxAws, account: Account): Promise<void> {
  for (const region of account.regions) {
    const volumes = sandbox.sim
      .region(account.awsAccountId!, region)
      .volumes.filter((v) => v.State === 'available' && v.VolumeId && v.CreateTime);
    if (volumes.length === 0) continue;
    // One sighting time per call: the youngest volume's creation, so none is seen before it existed.
    const seen = new Date(Math.max(...volumes.map((v) => v.CreateTime!.getTime())));
    const ids = volumes.map((v) => v.VolumeId!);
    await recordSightings(db, { accountId: account.id, region, condition: 'unattached' }, ids, seen);
  }
}
