// The second confirmation for CRITICAL approvals: what will change, where, and why it is critical.
// The approver types the resource id (a click alone is too easy for a CRITICAL change);
// submitting it with the right id is the approval; private_metadata carries the recommendation id.
import type { KnownBlock, ModalView } from '@slack/types';
import { INPUTS, VIEWS } from '../ids.js';
import { accountLabel, perMonth } from './format.js';
import { context, escapeMrkdwn, plain, section } from './limits.js';
import { modalChrome, privateMetadata, readText, type SubmittedValues } from './modals.js';
import { encodeId } from './values.js';

export interface ConfirmCriticalModalInput {
  recommendationId: number;
  /** The id the approver must type to confirm (i-0abc..., asg:web, nodegroup name). */
  resourceId: string;
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
  blocks.push({
    type: 'input',
    block_id: INPUTS.confirmResource.block,
    label: plain(`Type ${input.resourceId} to approve`),
    element: {
      type: 'plain_text_input',
      action_id: INPUTS.confirmResource.action,
      max_length: 255,
      placeholder: plain(input.resourceId),
    },
  });
  return {
    ...modalChrome('Confirm critical change', 'Approve'),
    callback_id: VIEWS.confirmCritical,
    private_metadata: privateMetadata(encodeId(input.recommendationId)),
    blocks,
  };
}

/** The typed id must be the resource's id, exactly (surrounding spaces aside). */
export function parseConfirmCritical(
  values: SubmittedValues,
  resourceId: string,
): { ok: true } | { ok: false; errors: Record<string, string> } {
  const typed = readText(values, INPUTS.confirmResource);
  if (typed === resourceId) return { ok: true };
  return {
    ok: false,
    errors: {
      [INPUTS.confirmResource.block]: typed
        ? `That is not the resource id: type ${resourceId} exactly to approve.`
        : `Type ${resourceId} to approve this CRITICAL change.`,
    },
  };
}
