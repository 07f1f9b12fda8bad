// The approval policy's clockwork, every minute: pending approvals past their TTL expire, and
// small LOW changes are auto-approved under each account's policy (scheduled a cancel window ahead).

import type { Deps } from '../deps.js';
import { expireApprovals } from '../engine/approval-lifecycle.js';
import { autoApprove } from '../engine/auto-approve.js';

export const APPROVAL_POLICY_SCHEDULE = '* * * * *';

export async function runApprovalPolicy(deps: Deps, kick: () => void): Promise<string> {
  const expired = await expireApprovals(deps);
  const auto = await autoApprove(deps);
  if (auto.approved.length > 0) kick();
  return `${expired} approvals expired, ${auto.approved.length} auto-approved, ${auto.held.length} held for a person`;
}
