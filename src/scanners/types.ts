// The scanner contract: a read-only detector run per account x region under the read role.
import type { AccountAccess } from '../aws/clients.js';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Account, RiskLevel } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';

export interface Finding {
  scanner: string; // = file name = registry key
  accountId: number;
  region: string;
  resourceId: string;
  title: string; // one line for the card
  evidence: Record<string, unknown>;
  monthlySavingsUsd: number; // estimate, from pricing/
  riskLevel?: RiskLevel;
  /** Grace-period deadline (Shadow IT). */
  dueAt?: Date;
  proposal: { executor: string; params: unknown };
}

export interface ScanContext {
  aws: AccountAccess;
  account: Account;
  region: string;
  db: Db;
  clock: Clock;
  log: Logger;
  config: Config;
}

export interface Scanner {
  kind: string;
  /** IAM read actions it calls; the CFN read policy is built from these. */
  permissions: readonly string[];
  scan(ctx: ScanContext): Promise<Finding[]>;
}
