// Queries on interruption_policies: an account's rebalance and emergency policy (defaults when it
// has no row), and setting them.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../client.js';
import { interruptionPolicies } from '../schema.js';

export const REBALANCE_POLICIES = ['ignore', 'notify', 'replace'] as const;
/** managed: only instances spotops moved to Spot (and members of groups it moved); all: any group member too. */
export const EMERGENCY_POLICIES = ['managed', 'all', 'off'] as const;
export type RebalancePolicy = (typeof REBALANCE_POLICIES)[number];
export type EmergencyPolicy = (typeof EMERGENCY_POLICIES)[number];

export const interruptionPolicy = z.object({
  rebalance: z.enum(REBALANCE_POLICIES),
  emergency: z.enum(EMERGENCY_POLICIES),
});
export type InterruptionPolicy = z.infer<typeof interruptionPolicy>;

export const DEFAULT_INTERRUPTION_POLICY: InterruptionPolicy = { rebalance: 'notify', emergency: 'managed' };

export async function policyOf(db: DbOrTx, accountId: number): Promise<InterruptionPolicy> {
  const [row] = await db
    .select()
    .from(interruptionPolicies)
    .where(eq(interruptionPolicies.accountId, accountId));
  if (!row) return DEFAULT_INTERRUPTION_POLICY;
  // A value written by an older or newer version falls back to the careful default.
  const parsed = interruptionPolicy.safeParse({ rebalance: row.rebalance, emergency: row.emergency });
  return parsed.success ? parsed.data : DEFAULT_INTERRUPTION_POLICY;
}

export async function setPolicy(
  db: DbOrTx,
  accountId: number,
  change: Partial<InterruptionPolicy>,
  by: string,
  at: Date,
): Promise<InterruptionPolicy> {
  const next = interruptionPolicy.parse({ ...(await policyOf(db, accountId)), ...change });
  await db
    .insert(interruptionPolicies)
    .values({ accountId, ...next, updatedBy: by, updatedAt: at })
    .onConflictDoUpdate({
      target: interruptionPolicies.accountId,
      set: { ...next, updatedBy: by, updatedAt: at },
    });
  return next;
}
