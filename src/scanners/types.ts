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
  /**
   * Findings page by page as the AWS listing arrives: the runner stores each batch before the
   * next page is requested, so memory stays flat in the size of the account. The iteration
   * completes only when the listing did (a failure throws), which is what may resolve findings.
   */
  pages(ctx: ScanContext): AsyncIterable<Finding[]>;
  /** Every finding at once, gathered from `pages` (tools and tests). */
  scan(ctx: ScanContext): Promise<Finding[]>;
}

/** A scanner from its page stream; `scan` gathers the pages. */
export function defineScanner(def: Omit<Scanner, 'scan'>): Scanner {
  return {
    ...def,
    async scan(ctx) {
      const out: Finding[] = [];
      for await (const page of def.pages(ctx)) out.push(...page);
      return out;
    },
  };
}
