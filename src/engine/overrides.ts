// An approver accepting reasons a Spot move was refused for (Kubernetes drain readiness), each
// with a written justification. The accepted reasons are stored in the execution's params (the
// executor lets the drain go ahead for those reasons only) and in the audit trail.
import type { SlackDirectory } from '../accounts/approvers.js';
import type { Deps } from '../deps.js';
import {
  type ApproveOptions,
  approveRecommendation,
  type ClickResult,
  getRecommendation,
} from './approval.js';
import { audit } from './audit.js';

/** The refusals a Spot card stores in evidence.card.preflight (slack/blocks/recommendation-card.ts). */
interface StoredRefusal {
  code: string;
  title: string;
  objects?: string[];
  overridable?: boolean;
}

export function storedRefusals(evidence: unknown): StoredRefusal[] {
  return (
    (evidence as { card?: { preflight?: { refusals?: StoredRefusal[] } } })?.card?.preflight?.refusals ?? []
  );
}

export async function approveWithOverrides(
  deps: Deps,
  dir: SlackDirectory,
  recId: number,
  userId: string,
  justified: readonly { reason: string; justification: string }[],
  opts: Pick<ApproveOptions, 'shadow'> = {},
): Promise<ClickResult> {
  const rec = await getRecommendation(deps, recId);
  const refusals = storedRefusals(rec.evidence);
  const fixed = refusals.filter((r) => !r.overridable);
  if (fixed.length > 0)
    return {
      ok: false,
      message: `This move cannot be overridden: ${fixed.map((r) => r.title).join('; ')}. Fix that, then evaluate again.`,
    };
  const codes = new Set(refusals.map((r) => r.code));
  const unknown = justified.filter((j) => !codes.has(j.reason));
  if (unknown.length > 0)
    return { ok: false, message: 'The card changed since the form was opened; open it again.' };
  const left = refusals.filter((r) => !justified.some((j) => j.reason === r.code));
  if (left.length > 0)
    return {
      ok: false,
      message: `Still refused: ${left.map((r) => r.title).join('; ')}. Justify every reason to approve; nothing was done.`,
    };
  const at = deps.clock.now().toISOString();
  const overrides = justified.map((j) => ({
    reason: j.reason,
    justification: j.justification,
    by: userId,
    at,
  }));
  const result = await approveRecommendation(deps, dir, recId, userId, {
    ...opts,
    from: ['posted'],
    override: { executor: rec.executor, params: { ...(rec.params as object), overrides } },
  });
  if (!result.ok) return result;
  const titles = new Map(refusals.map((r) => [r.code, r.title]));
  await audit(deps, {
    actor: userId,
    event: 'override',
    message: `<@${userId}> overrode ${overrides.map((o) => `${titles.get(o.reason)} ("${o.justification}")`).join('; ')}`,
    recommendationId: rec.id,
    accountId: rec.accountId,
    detail: { overrides },
  });
  return result;
}
