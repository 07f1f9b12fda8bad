// The Schedule modal (the Schedule button on a card): when to run and at which priority. The
// "when" field takes what `/spot schedule` takes (`now`, `in 2h`, `tomorrow 09:00`, ISO); the
// answer is read back by parseScheduleSubmission, with errors keyed by block for the modal.
import type { ModalView, PlainTextOption } from '@slack/types';
import { PRIORITY_NAMES, type PriorityName, parsePriority } from '../../engine/priorities.js';
import { parseWhen } from '../../lib/when.js';
import { INPUTS, VIEWS } from '../ids.js';
import { escapeMrkdwn, plain, section, truncate } from './limits.js';
import { modalChrome, privateMetadata, readText, readValue, type SubmittedValues } from './modals.js';
import { encodeId } from './values.js';

export interface ScheduleModalInput {
  recommendationId: number;
  title: string;
  /** What the card waits for: approval (the wish is kept until then) or its turn in the queue. */
  state: 'awaiting-approval' | 'queued';
  priority: PriorityName;
}

const option = (p: PriorityName): PlainTextOption => ({
  text: plain(p[0]!.toUpperCase() + p.slice(1)),
  value: p,
});

export function scheduleModal(input: ScheduleModalInput): ModalView {
  const note =
    input.state === 'queued'
      ? 'It is approved and queued: this moves it.'
      : 'It still needs an approval: it runs at this time (or when approved, if later).';
  return {
    ...modalChrome('Schedule', 'Schedule'),
    callback_id: VIEWS.schedule,
    private_metadata: privateMetadata(encodeId(input.recommendationId)),
    blocks: [
      section(`*${escapeMrkdwn(truncate(input.title, 200))}*\n${note}`),
      {
        type: 'input',
        block_id: INPUTS.when.block,
        label: plain('When'),
        hint: plain('now, in 2h, tomorrow 09:00 (UTC) or 2026-12-03T09:00Z'),
        element: {
          type: 'plain_text_input',
          action_id: INPUTS.when.action,
          initial_value: 'now',
          max_length: 40,
        },
      },
      {
        type: 'input',
        block_id: INPUTS.priority.block,
        label: plain('Priority'),
        element: {
          type: 'static_select',
          action_id: INPUTS.priority.action,
          options: PRIORITY_NAMES.map(option),
          initial_option: option(input.priority),
        },
      },
    ],
  };
}

export type ScheduleSubmission =
  | { ok: true; at: Date; priority: number }
  | { ok: false; errors: Record<string, string> };

export function parseScheduleSubmission(values: SubmittedValues, now: Date): ScheduleSubmission {
  const when = parseWhen(readText(values, INPUTS.when), now);
  const selected = (
    readValue(values, INPUTS.priority) as { selected_option?: { value?: string } } | undefined
  )?.selected_option?.value;
  const priority = parsePriority(selected ?? 'medium');
  const errors: Record<string, string> = {};
  if (!when.ok) errors[INPUTS.when.block] = when.message.replace(/`/g, '');
  if (priority === null) errors[INPUTS.priority.block] = 'Pick a priority.';
  if (!when.ok || priority === null) return { ok: false, errors };
  return { ok: true, at: when.at, priority };
}
