// The Claim modal for a Shadow IT instance: who owns it and which team. private_metadata carries
// the recommendation id; parseClaimSubmission reads the answer back for the view listener.
import type { ModalView } from '@slack/types';
import { INPUTS, VIEWS } from '../ids.js';
import { escapeMrkdwn, plain, section } from './limits.js';
import { modalChrome, privateMetadata, readText, readValue, type SubmittedValues } from './modals.js';
import { encodeId } from './values.js';

export interface ClaimModalInput {
  recommendationId: number;
  instanceId: string;
  /** The person who clicked Claim: the default owner. */
  userId: string;
}

export const TEAM_MAX_LENGTH = 80;

export function claimModal(input: ClaimModalInput): ModalView {
  return {
    ...modalChrome('Claim instance', 'Claim'),
    callback_id: VIEWS.claim,
    private_metadata: privateMetadata(encodeId(input.recommendationId)),
    blocks: [
      section(`Claiming *${escapeMrkdwn(input.instanceId)}* stops the countdown and records who owns it.`),
      {
        type: 'input',
        block_id: INPUTS.owner.block,
        label: plain('Owner'),
        element: { type: 'users_select', action_id: INPUTS.owner.action, initial_user: input.userId },
      },
      {
        type: 'input',
        block_id: INPUTS.team.block,
        label: plain('Team'),
        hint: plain('The team that pays for it, e.g. data-platform'),
        element: {
          type: 'plain_text_input',
          action_id: INPUTS.team.action,
          max_length: TEAM_MAX_LENGTH,
          placeholder: plain('data-platform'),
        },
      },
    ],
  };
}

export type ClaimSubmission =
  | { ok: true; owner: string; team: string }
  | { ok: false; errors: Record<string, string> };

/** Reads `view.state.values`; errors are keyed by block_id, ready for `response_action: 'errors'`. */
export function parseClaimSubmission(values: SubmittedValues): ClaimSubmission {
  const owner = readValue(values, INPUTS.owner)?.selected_user ?? '';
  const team = readText(values, INPUTS.team);
  const errors: Record<string, string> = {};
  if (!owner) errors[INPUTS.owner.block] = 'Pick the owner.';
  if (!team) errors[INPUTS.team.block] = 'Name the team.';
  else if (team.length > TEAM_MAX_LENGTH)
    errors[INPUTS.team.block] = `At most ${TEAM_MAX_LENGTH} characters.`;
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, owner, team };
}
