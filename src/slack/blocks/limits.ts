// Slack's Block Kit limits, enforced while building: every builder goes through these helpers, so no
// builder can emit a message Slack would refuse with invalid_blocks. Human text is truncated with an
// ellipsis; machine data (button values, ids) is never truncated: an oversize value is a programming
// error and throws, because a cut JSON value would be worse than no card.
// Numbers: Slack's Block Kit reference (see /work/shared/slack/LIMITS.md for citations). Two are
// project rules stricter than Slack's: button values <= 255 (Slack allows 2000) and <= 10 elements
// per actions block (Slack allows 25), so cards stay readable and values stay ids, not payloads.
import type {
  ActionsBlock,
  Button,
  ConfirmationDialog,
  ContextBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
} from '@slack/types';
import { ACTIONS, type ActionId } from '../ids.js';

export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  blocksPerHome: 100,
  blocksPerModal: 100,
  textObject: 3000,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 10, // project rule (Slack: 25)
  buttonText: 75,
  buttonValue: 255, // project rule (Slack: 2000)
  buttonUrl: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  viewTitle: 24,
  privateMetadata: 3000,
  inputLabel: 2000,
  placeholder: 150,
  messageText: 40000,
} as const;

/** What every message builder returns: `text` is the notification fallback. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

const ELLIPSIS = '…';

/** Cuts `s` to at most `max` code points (what Slack counts), ending with an ellipsis when cut. */
export function truncate(s: string, max: number): string {
  const points = [...s];
  if (points.length <= max) return s;
  return `${points.slice(0, Math.max(0, max - 1)).join('')}${ELLIPSIS}`;
}

/** Slack rejects empty text objects; a builder given an empty string shows a dash instead. */
function nonEmpty(s: string): string {
  return s.trim() === '' ? '-' : s;
}

/** Escapes the three characters mrkdwn treats as control characters (user-provided text only). */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function mrkdwn(text: string, max: number = SLACK_LIMITS.textObject): MrkdwnElement {
  return { type: 'mrkdwn', text: truncate(nonEmpty(text), max) };
}

export function plain(text: string, max: number = SLACK_LIMITS.textObject): PlainTextElement {
  return { type: 'plain_text', text: truncate(nonEmpty(text), max), emoji: true };
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text: plain(text, SLACK_LIMITS.headerText) };
}

export function section(text: string, accessory?: Button): SectionBlock {
  return {
    type: 'section',
    text: mrkdwn(text, SLACK_LIMITS.sectionText),
    ...(accessory ? { accessory } : {}),
  };
}

/** A two-column section; extra fields beyond Slack's 10 are dropped (callers pass few). */
export function fields(items: string[]): SectionBlock {
  return {
    type: 'section',
    fields: items.slice(0, SLACK_LIMITS.sectionFields).map((f) => mrkdwn(f, SLACK_LIMITS.sectionFieldText)),
  };
}

/** Secondary facts in small grey type; more than 10 items are joined into the last element. */
export function context(items: string[]): ContextBlock {
  const max = SLACK_LIMITS.contextElements;
  const kept = items.length > max ? [...items.slice(0, max - 1), items.slice(max - 1).join(' · ')] : items;
  return { type: 'context', elements: kept.map((t) => mrkdwn(t)) };
}

export function divider(): KnownBlock {
  return { type: 'divider' };
}

export interface ConfirmInput {
  title: string;
  text: string;
  confirm: string;
  deny?: string;
  danger?: boolean;
}

export function confirmDialog(c: ConfirmInput): ConfirmationDialog {
  return {
    title: plain(c.title, SLACK_LIMITS.confirmTitle),
    text: mrkdwn(c.text, SLACK_LIMITS.confirmText),
    confirm: plain(c.confirm, SLACK_LIMITS.confirmButton),
    deny: plain(c.deny ?? 'Cancel', SLACK_LIMITS.confirmButton),
    ...(c.danger ? { style: 'danger' as const } : {}),
  };
}

export interface ButtonInput {
  text: string;
  actionId: ActionId;
  value?: string;
  style?: 'primary' | 'danger';
  confirm?: ConfirmInput;
}

/** Throws when a button value would exceed the limit: values carry ids, never content. */
export function checkButtonValue(value: string, what: string): string {
  const n = [...value].length;
  if (n > SLACK_LIMITS.buttonValue) {
    throw new RangeError(
      `building ${what}: button value is ${n} characters, limit ${SLACK_LIMITS.buttonValue}`,
    );
  }
  return value;
}

export function button(b: ButtonInput): Button {
  return {
    type: 'button',
    text: plain(b.text, SLACK_LIMITS.buttonText),
    action_id: b.actionId,
    ...(b.value !== undefined ? { value: checkButtonValue(b.value, `button ${b.actionId}`) } : {}),
    ...(b.style ? { style: b.style } : {}),
    ...(b.confirm ? { confirm: confirmDialog(b.confirm) } : {}),
  };
}

export function linkButton(text: string, url: string, actionId: ActionId = ACTIONS.openLink): Button {
  if (url.length > SLACK_LIMITS.buttonUrl)
    throw new RangeError(`building link button: url over 3000 characters`);
  return { type: 'button', text: plain(text, SLACK_LIMITS.buttonText), action_id: actionId, url };
}

/** Buttons split over as many actions blocks as the 10-element rule needs (none for no buttons). */
export function actions(buttons: Button[]): ActionsBlock[] {
  const out: ActionsBlock[] = [];
  for (let i = 0; i < buttons.length; i += SLACK_LIMITS.actionsElements) {
    out.push({ type: 'actions', elements: buttons.slice(i, i + SLACK_LIMITS.actionsElements) });
  }
  return out;
}

/**
 * Keeps a block list within `max`: when over, the tail is cut and replaced by a context line saying
 * how much was left out. Builders size their pages so this is a last line of defence, not the plan.
 */
export function fitBlocks(blocks: KnownBlock[], max: number = SLACK_LIMITS.blocksPerMessage): KnownBlock[] {
  if (blocks.length <= max) return blocks;
  const kept = blocks.slice(0, max - 1);
  return [...kept, context([`_${blocks.length - kept.length} more blocks not shown (Slack limit ${max})._`])];
}

/** Final assembly of a message: fallback text within Slack's limit, blocks within the block limit. */
export function message(
  text: string,
  blocks: KnownBlock[],
  maxBlocks: number = SLACK_LIMITS.blocksPerMessage,
) {
  return { text: truncate(nonEmpty(text), SLACK_LIMITS.messageText), blocks: fitBlocks(blocks, maxBlocks) };
}
