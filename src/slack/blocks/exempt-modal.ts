// The Exempt modal for a Shadow IT instance: a reason (required) and an optional expiry in days.
// private_metadata carries the recommendation id; parseExemptSubmission validates the answer.
import type { ModalView } from '@slack/types';
import { INPUTS, VIEWS } from '../ids.js';
import { escapeMrkdwn, plain, section } from './limits.js';
import { modalChrome, privateMetadata, readText, type SubmittedValues } from './modals.js';
import { encodeId } from './values.js';

export interface ExemptModalInput {
  recommendationId: number;
  instanceId: string;
}

export const REASON_MAX_LENGTH = 500;
export const EXPIRY_MAX_DAYS = 365;

export function exemptModal(input: ExemptModalInput): ModalView {
  return {
    ...modalChrome('Exempt instance', 'Exempt'),
    callback_id: VIEWS.exempt,
    private_metadata: privateMetadata(encodeId(input.recommendationId)),
    blocks: [
      section(`*${escapeMrkdwn(input.instanceId)}* will not be warned about or terminated while exempt.`),
      {
        type: 'input',
        block_id: INPUTS.reason.block,
        label: plain('Reason'),
        element: {
          type: 'plain_text_input',
          action_id: INPUTS.reason.action,
          multiline: true,
          min_length: 3,
          max_length: REASON_MAX_LENGTH,
          placeholder: plain('Load test for the Q3 launch, owned by @dana'),
        },
      },
      {
        type: 'input',
        block_id: INPUTS.expiry.block,
        optional: true,
        label: plain('Expires after (days)'),
        hint: plain('Leave empty for no expiry.'),
        element: {
          type: 'number_input',
          action_id: INPUTS.expiry.action,
          is_decimal_allowed: false,
          min_value: '1',
          max_value: String(EXPIRY_MAX_DAYS),
        },
      },
    ],
  };
}

export type ExemptSubmission =
  | { ok: true; reason: string; expiryDays: number | null }
  | { ok: false; errors: Record<string, string> };

export function parseExemptSubmission(values: SubmittedValues): ExemptSubmission {
  const reason = readText(values, INPUTS.reason);
  const rawExpiry = readText(values, INPUTS.expiry);
  const errors: Record<string, string> = {};
  if (reason.length < 3) errors[INPUTS.reason.block] = 'Say why this instance is exempt.';
  else if (reason.length > REASON_MAX_LENGTH)
    errors[INPUTS.reason.block] = `At most ${REASON_MAX_LENGTH} characters.`;
  let expiryDays: number | null = null;
  if (rawExpiry !== '') {
    const n = Number(rawExpiry);
    if (!Number.isInteger(n) || n < 1 || n > EXPIRY_MAX_DAYS) {
      errors[INPUTS.expiry.block] = `A whole number of days from 1 to ${EXPIRY_MAX_DAYS}.`;
    } else {
      expiryDays = n;
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, reason, expiryDays };
}
