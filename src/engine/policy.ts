// The per-account approval policy: stored as typed JSON (approval_policies), with seeds when an
// account has none yet. It decides auto-approval of LOW changes, how many distinct approvers
// each risk level needs, how long an approval lives, the cancel window of automated work, the
// blast radius (automated actions per hour) and when work may run (freezes, maintenance
// windows: engine/windows.ts). Only an approver of the account may change it; changes are audited.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { isApprover, type SlackDirectory } from '../accounts/approvers.js';
import { requireAccount } from '../accounts/store.js';
import type { DbOrTx } from '../db/client.js';
import { type Account, approvalPolicies } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { isValidTimeZone, parseCron } from '../lib/cron-next.js';
import { UserError } from '../lib/errors.js';
import { audit } from './audit.js';

const count = (max: number) => z.number().int().min(1).max(max);

export const maintenanceWindow = z.object({
  /** Five-field cron: when each window starts, on the account's wall clock. */
  cron: z.string().superRefine((s, ctx) => {
    try {
      parseCron(s);
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
    }
  }),
  durationMinutes: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60),
});

export const freezeWindow = z
  .object({ start: z.coerce.date(), end: z.coerce.date(), reason: z.string().max(200).default('') })
  .refine((f) => f.end > f.start, { message: 'a freeze must end after it starts' });

export const approvalPolicy = z.object({
  autoApprove: z.object({
    /** Auto-approve LOW changes whose monthly savings are at most the threshold. */
    enabled: z.boolean(),
    maxMonthlySavingsUsd: z.number().min(0).max(1_000_000),
  }),
  /** Distinct approvers needed per level (the requester never counts). */
  approversNeeded: z.object({ LOW: count(5), MEDIUM: count(5), HIGH: count(5), CRITICAL: count(5) }),
  approvalTtlHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 30),
  cancelWindowMinutes: z
    .number()
    .int()
    .min(0)
    .max(24 * 60),
  maxAutomatedActionsPerHour: z.number().int().min(0).max(10_000),
  /** IANA time zone of the account's maintenance windows ("Europe/Paris"). */
  timeZone: z.string().refine(isValidTimeZone, { message: 'is not a known time zone (e.g. Europe/Paris)' }),
  freezes: z.array(freezeWindow).max(50),
  /** Empty = any time; otherwise approved work waits for the next window. */
  maintenanceWindows: z.array(maintenanceWindow).max(20),
});

export type ApprovalPolicy = z.infer<typeof approvalPolicy>;

export const DEFAULT_AUTO_APPROVE_USD = 500;

/** The seed: auto-approval of small LOW changes on in LAB, off in PROD; one approver per level. */
export function defaultPolicy(account: Pick<Account, 'environment'>): ApprovalPolicy {
  return {
    autoApprove: { enabled: account.environment !== 'PROD', maxMonthlySavingsUsd: DEFAULT_AUTO_APPROVE_USD },
    // One approver per level keeps the four-eyes rule (HIGH/CRITICAL: not the requester) as the
    // minimum; raise CRITICAL to 2 for two-person control.
    approversNeeded: { LOW: 1, MEDIUM: 1, HIGH: 1, CRITICAL: 1 },
    approvalTtlHours: 72,
    cancelWindowMinutes: 10,
    maxAutomatedActionsPerHour: 20,
    timeZone: 'UTC',
    freezes: [],
    maintenanceWindows: [],
  };
}

/** The account's stored policy, or its seed. A stored row that no longer parses falls back to the seed. */
export async function getPolicy(
  db: DbOrTx,
  account: Pick<Account, 'id' | 'environment'>,
): Promise<ApprovalPolicy> {
  const [row] = await db.select().from(approvalPolicies).where(eq(approvalPolicies.accountId, account.id));
  const parsed = row ? approvalPolicy.safeParse(row.policy) : null;
  return parsed?.success ? parsed.data : defaultPolicy(account);
}

/** Readable sentences for a policy that does not validate ("Approval TTL: must be at least 1"). */
export function policyProblems(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.join('.') || 'policy'}: ${i.message}`);
}

/** Saves a policy for the account as `actor` (approvers only), audited with before and after. */
export async function savePolicy(
  deps: Deps,
  dir: SlackDirectory,
  accountName: string,
  input: unknown,
  actor: string,
): Promise<ApprovalPolicy> {
  const account = await requireAccount(deps.db, accountName);
  if (!(await isApprover(dir, account, actor)) && !(await dir.isWorkspaceAdmin(actor))) {
    await audit(deps, {
      actor,
      event: 'denied',
      message: `<@${actor}> tried to change the approval policy of ${account.name} and was refused`,
      accountId: account.id,
      quiet: true,
    });
    throw new UserError(
      `Only an approver of \`${account.name}\` or a workspace admin can change its approval policy.`,
    );
  }
  const parsed = approvalPolicy.safeParse(input);
  if (!parsed.success)
    throw new UserError(`The policy was not saved: ${policyProblems(parsed.error).join('; ')}.`);
  const before = await getPolicy(deps.db, account);
  const now = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await tx
      .insert(approvalPolicies)
      .values({ accountId: account.id, policy: parsed.data, updatedBy: actor, updatedAt: now })
      .onConflictDoUpdate({
        target: approvalPolicies.accountId,
        set: { policy: parsed.data, updatedBy: actor, updatedAt: now },
      });
    await audit(
      { db: tx, log: deps.log },
      {
        actor,
        event: 'policy_changed',
        message: `<@${actor}> changed the approval policy of ${account.name}: ${policyDiff(before, parsed.data).join('; ') || 'no change'}`,
        accountId: account.id,
        detail: { before, after: parsed.data },
      },
    );
  });
  return parsed.data;
}

/** The changed top-level settings, in words, for the audit line. */
export function policyDiff(a: ApprovalPolicy, b: ApprovalPolicy): string[] {
  return (Object.keys(b) as (keyof ApprovalPolicy)[])
    .filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]))
    .map((k) => `${k} ${JSON.stringify(a[k])} -> ${JSON.stringify(b[k])}`);
}
