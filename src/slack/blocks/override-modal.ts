// The override modal of a Spot card whose move was refused before any change: one justification
// per overridable reason (Kubernetes drain readiness). A reason left empty stays refused; the
// submission approves the move with the justified reasons only, and every one is audited.
import type { KnownBlock, ModalView } from '@slack/types';
import { VIEWS } from '../ids.js';
import { escapeMrkdwn, plain, section } from './limits.js';
import { modalChrome, privateMetadata, readText, type SubmittedValues } from './modals.js';
import type { PreflightRefusal } from './recommendation-card.js';
import { encodeId } from './values.js';

export const JUSTIFICATION_MIN = 10;
export const JUSTIFICATION_MAX = 500;
const MAX_OBJECTS = 6;

/** block_id / action_id of the justification input of one reason. */
export const overrideInput = (code: string) => ({ block: `override_${code}`, action: 'justification' });

export interface OverrideModalInput {
  recommendationId: number;
  target: string;
  refusals: PreflightRefusal[];
  dryRun: boolean;
}

export function overrideModal(input: OverrideModalInput): ModalView {
  const reasons = input.refusals.filter((r) => r.overridable);
  const blocks: KnownBlock[] = [
    section(
      `Approve the move of *${escapeMrkdwn(input.target)}* despite the reasons you justify below. Leave a reason empty to keep it refused. Each justification is recorded with your name.${input.dryRun ? '\n_DRY_RUN is on: this runs as a rehearsal._' : ''}`,
    ),
  ];
  for (const r of reasons) {
    const shown = r.objects.slice(0, MAX_OBJECTS).join(', ');
    const more = r.objects.length > MAX_OBJECTS ? ` and ${r.objects.length - MAX_OBJECTS} more` : '';
    blocks.push({
      type: 'input',
      block_id: overrideInput(r.code).block,
      optional: true,
      label: plain(r.title),
      hint: plain(`${shown}${more}`),
      element: {
        type: 'plain_text_input',
        action_id: overrideInput(r.code).action,
        multiline: true,
        max_length: JUSTIFICATION_MAX,
        placeholder: plain(
          'Why this is safe here, e.g. "db replicates; one member down for a minute is fine"',
        ),
      },
    });
  }
  return {
    ...modalChrome('Override and approve', 'Approve'),
    callback_id: VIEWS.overrideRefusals,
    private_metadata: privateMetadata(encodeId(input.recommendationId)),
    blocks,
  };
}

export type OverrideSubmission =
  | { ok: true; overrides: { reason: string; justification: string }[] }
  | { ok: false; errors: Record<string, string> };

/** The justified reasons; each must say why in a sentence, and at least one is needed. */
export function parseOverrideSubmission(values: SubmittedValues, codes: string[]): OverrideSubmission {
  const errors: Record<string, string> = {};
  const overrides: { reason: string; justification: string }[] = [];
  for (const code of codes) {
    const text = readText(values, overrideInput(code));
    if (text === '') continue;
    if (text.length < JUSTIFICATION_MIN)
      errors[overrideInput(code).block] = `Say why in a sentence (${JUSTIFICATION_MIN} characters at least).`;
    else overrides.push({ reason: code, justification: text });
  }
  if (overrides.length === 0 && Object.keys(errors).length === 0 && codes[0])
    errors[overrideInput(codes[0]).block] = 'Justify at least one reason, or close this form.';
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, overrides };
}
