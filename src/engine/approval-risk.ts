// The approval risk of a proposed execution: how careful the approval must be (who, how many,
// typed confirmation), apart from the Spot interruption risk. It starts from the executor's own
// rule (executor.risk: LOW tag/snapshot/release an unassociated EIP, MEDIUM stop/resize/gp2->gp3/
// Spot in LAB, HIGH deletions/Spot in PROD/ASG swap, CRITICAL terminate or node replacement in
// PROD) and the context rules below may raise it, each by one level, never lower it.
import type { RiskLevel } from '../db/schema.js';
import type { AnyExecutor } from '../executors/types.js';

export const RISK_ORDER = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const satisfies readonly RiskLevel[];

/** What the context rules look at; every field is optional (unknown = no raise). */
export interface RiskContext {
  /** The resource's tags, when the finding or card recorded them. */
  tags?: Record<string, string>;
  /** Monthly cost (or savings) at stake, USD. */
  monthlyUsd?: number;
  /** How many instances/nodes/resources the change touches. */
  size?: number;
}

/** A production tag on a resource in a LAB account: it is production whatever the account says. */
export const PRODUCTION_TAG_KEYS = ['environment', 'env', 'stage', 'tier'];
export const PRODUCTION_TAG_VALUES = ['prod', 'production', 'prd', 'live'];
/** At or above this monthly amount the change is one level more careful. */
export const RAISE_MONTHLY_USD = 1000;
/** At or above this many resources touched by one change. */
export const RAISE_SIZE = 10;

export interface RaiseRule {
  id: string;
  /** A sentence for the card and the audit trail when the rule applies; null when it does not. */
  applies(ctx: RiskContext, account: { environment: 'PROD' | 'LAB' }): string | null;
}

/** The context rules, in one place: each raises the level by one. */
export const RAISE_RULES = [
  {
    id: 'production-tag',
    applies: (ctx, account) => {
      if (account.environment === 'PROD') return null; // the executor's rule already counts PROD
      const hit = Object.entries(ctx.tags ?? {}).find(
        ([k, v]) =>
          PRODUCTION_TAG_KEYS.includes(k.toLowerCase()) && PRODUCTION_TAG_VALUES.includes(v.toLowerCase()),
      );
      return hit ? `tagged ${hit[0]}=${hit[1]} in a LAB account` : null;
    },
  },
  {
    id: 'monthly-cost',
    applies: (ctx) =>
      ctx.monthlyUsd !== undefined && ctx.monthlyUsd >= RAISE_MONTHLY_USD
        ? `$${Math.round(ctx.monthlyUsd).toLocaleString('en-US')}/month at stake (>= $${RAISE_MONTHLY_USD.toLocaleString('en-US')})`
        : null,
  },
  {
    id: 'size',
    applies: (ctx) =>
      ctx.size !== undefined && ctx.size >= RAISE_SIZE
        ? `${ctx.size} resources in one change (>= ${RAISE_SIZE})`
        : null,
  },
] as const satisfies readonly RaiseRule[];

export interface ApprovalRisk {
  level: RiskLevel;
  /** The executor's level before the context rules. */
  base: RiskLevel;
  /** Why it was raised, one sentence per rule that applied. */
  raisedBy: string[];
}

export function raise(level: RiskLevel, steps: number): RiskLevel {
  return RISK_ORDER[Math.min(RISK_ORDER.indexOf(level) + steps, RISK_ORDER.length - 1)]!;
}

export function approvalRisk(
  executor: Pick<AnyExecutor, 'risk'>,
  params: unknown,
  account: { environment: 'PROD' | 'LAB' },
  ctx: RiskContext = {},
): ApprovalRisk {
  const base = executor.risk(params, account);
  const raisedBy = RAISE_RULES.map((r) => r.applies(ctx, account)).filter((s): s is string => s !== null);
  return { level: raise(base, raisedBy.length), base, raisedBy };
}

/** The context a recommendation carries: tags and size from its evidence, its monthly amount. */
export function riskContextOf(rec: { evidence: unknown; monthlySavingsUsd: number }): RiskContext {
  const e = (rec.evidence ?? {}) as Record<string, unknown>;
  const tags = e.tags && typeof e.tags === 'object' ? (e.tags as Record<string, string>) : undefined;
  const card = (e.card ?? {}) as { instanceCount?: unknown; target?: { instances?: unknown } };
  const count =
    typeof e.instanceCount === 'number'
      ? e.instanceCount
      : typeof card.instanceCount === 'number'
        ? card.instanceCount
        : Array.isArray(card.target?.instances)
          ? card.target.instances.length
          : undefined;
  return { tags, monthlyUsd: rec.monthlySavingsUsd, size: count };
}
