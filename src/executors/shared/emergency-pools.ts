// Where an emergency replacement goes: the first candidate Spot pool (region + AZ ID + type) that
// is neither poisoned nor the pool that just warned, else On-Demand in the interrupted
// instance's own place. Candidates are tried in the caller's order (other AZs first).
import type { ExecutorContext } from '../types.js';

export interface Placement {
  subnetId: string;
  /** AZ name (the account's alias) and AZ ID (the pool key). */
  az: string;
  azId: string;
  instanceType: string;
}

export interface PoolChoice extends Placement {
  /** true: no healthy Spot pool, so the replacement is On-Demand. */
  onDemand: boolean;
  /** Why each skipped candidate was skipped ("use1-az4/m5.large poisoned"). */
  skipped: string[];
}

/** The interrupted pool itself is never chosen, poisoned or not (a LAB warning does not poison). */
export async function choosePool(
  ctx: Pick<ExecutorContext, 'poolGuard' | 'region'>,
  candidates: readonly Placement[],
  interrupted: Placement,
): Promise<PoolChoice> {
  const skipped: string[] = [];
  for (const c of candidates) {
    const ref = `${c.azId}/${c.instanceType}`;
    if (c.azId === interrupted.azId && c.instanceType === interrupted.instanceType) {
      skipped.push(`${ref} is the interrupted pool`);
      continue;
    }
    const status = ctx.poolGuard
      ? await ctx.poolGuard({ region: ctx.region, az: c.azId, instanceType: c.instanceType })
      : { poisoned: false };
    if (status.poisoned) {
      skipped.push(`${ref} is poisoned`);
      continue;
    }
    return { ...c, onDemand: false, skipped };
  }
  return { ...interrupted, onDemand: true, skipped };
}

/** Other AZs before the interrupted one, the interrupted type before other types. */
export function orderCandidates(candidates: Placement[], interrupted: Placement): Placement[] {
  const rank = (c: Placement) =>
    (c.azId === interrupted.azId ? 2 : 0) + (c.instanceType === interrupted.instanceType ? 0 : 1);
  return [...candidates].sort((a, b) => rank(a) - rank(b));
}
