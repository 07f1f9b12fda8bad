// Small helpers shared by the modal builders: titles within Slack's 24 characters, and reading
// submitted values back from `view.state.values` (shaped as Slack sends them).
import type { ModalView } from '@slack/types';
import { plain, SLACK_LIMITS } from './limits.js';

export function modalChrome(
  title: string,
  submit: string | null,
  close = 'Cancel',
): Pick<ModalView, 'type' | 'title' | 'submit' | 'close'> {
  return {
    type: 'modal',
    title: plain(title, SLACK_LIMITS.viewTitle),
    ...(submit ? { submit: plain(submit, SLACK_LIMITS.viewTitle) } : {}),
    close: plain(close, SLACK_LIMITS.viewTitle),
  };
}

export function privateMetadata(value: string): string {
  if (value.length > SLACK_LIMITS.privateMetadata) {
    throw new RangeError(`building a modal: private_metadata is ${value.length} characters, limit 3000`);
  }
  return value;
}

/** One submitted element, as found in view_submission `view.state.values[block][action]`. */
export interface SubmittedValue {
  type?: string;
  value?: string | null;
  selected_user?: string | null;
}

export type SubmittedValues = Record<string, Record<string, SubmittedValue | undefined> | undefined>;

export function readValue(
  values: SubmittedValues,
  ids: { block: string; action: string },
): SubmittedValue | undefined {
  return values[ids.block]?.[ids.action];
}

export function readText(values: SubmittedValues, ids: { block: string; action: string }): string {
  return (readValue(values, ids)?.value ?? '').trim();
}
