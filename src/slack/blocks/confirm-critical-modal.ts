// The second confirmation for CRITICAL approvals: what will change, where, and why it is critical.
// Submitting it is the approval; private_metadata carries the recommendation id.
import type { KnownBlock, ModalView } from '@slack/types';
import { VIEWS } from '../ids.js';
import { accountLabel, perMonth } from './format.js';
import { context, escapeMrkdwn, section } from './limits.js';
import { modalChrome, privateMetadata } from './modals.js';
import { encodeId } from './values.js';

export interface ConfirmCriticalModalInput {
  recommendationId: number;
  /** The executor's describe(): "Terminate i-0abc after snapshotting vol-1, vol-2". */
  action: string;
  account: { name: string; awsAccountId?: string | null; environment: 'PROD' | 'LAB' };
  region: string;
  monthlySavingsUsd: number;
  /** Why the action is CRITICAL, in plain words. */
  reasons: string[];
  /** The executor's rollback note, or null when it can be rolled back. */
  rollbackNote?: string | null;
  dryRun: boolean;
}

export function confirmCriticalModal(input: ConfirmCriticalModalInput): ModalView {
  const blocks: KnownBlock[] = [
    section(`:rotating_light: *This is a CRITICAL change.*\n${escapeMrkdwn(input.action)}`),
    section(
      `*Account* ${accountLabel(input.account)} · ${input.account.environment} · ${input.region}\n*Savings* ${perMonth(input.monthlySavingsUsd)}`,
    ),
  ];
  if (input.reasons.length > 0) {
    blocks.push(section(`*Why critical*\n${input.reasons.map((r) => `• ${escapeMrkdwn(r)}`).join('\n')}`));
  }
  blocks.push(
    context([
      input.rollbackNote
        ? `:warning: ${escapeMrkdwn(input.rollbackNote)}`
        : 'Can be rolled back from the card.',
      input.dryRun
        ? ':test_tube: Dry-run mode: AWS is only asked whether it would work.'
        : 'It is re-validated before it runs.',
    ]),
  );
  return {
    ...modalChrome('Confirm critical change', 'Approve'),
    callback_id: VIEWS.confirmCritical,
    private_metadata: privateMetadata(encodeId(input.recommendationId)),
    blocks,
  };
}
