import { describe, expect, it } from 'vitest';
import { checkMessage, checkView } from '../../helpers/slack-limits.js';

const btn = (extra: Record<string, unknown> = {}) => ({
  type: 'button',
  text: { type: 'plain_text', text: 'Go' },
  action_id: 'a',
  ...extra,
});
const rules = (v: { rule: string }[]) => v.map((x) => x.rule);

describe('slack-limits checker', () => {
  it('accepts a valid message', () => {
    expect(
      checkMessage({ text: 'hi', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'hi' } }] }),
    ).toEqual([]);
  });

  it('reports each limit it knows', () => {
    const blocks = [
      { type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } },
      { type: 'header', text: { type: 'mrkdwn', text: 'h'.repeat(151) } },
      { type: 'actions', elements: Array.from({ length: 11 }, (_, i) => btn({ action_id: `a${i}` })) },
      {
        type: 'actions',
        elements: [btn({ value: 'v'.repeat(256), text: { type: 'plain_text', text: 'b'.repeat(76) } })],
      },
      { type: 'actions', elements: [btn(), btn()] },
      { type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) },
      { type: 'section' },
      { type: 'section', text: { type: 'mrkdwn', text: '' } },
      { type: 'divider', block_id: 'd' },
      { type: 'divider', block_id: 'd' },
    ];
    expect(rules(checkMessage({ text: '', blocks }))).toEqual([
      'text',
      'section-text',
      'text-object',
      'header-text',
      'actions-elements',
      'button-text',
      'button-value',
      'action-id-unique',
      'context-elements',
      'section',
      'text-object',
      'block-id-unique',
    ]);
  });

  it('counts blocks per surface: 50 for messages, 100 for views', () => {
    const blocks = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(rules(checkMessage({ text: 't', blocks }))).toEqual(['block-count']);
    expect(checkView({ type: 'home', blocks })).toEqual([]);
    expect(rules(checkView({ type: 'home', blocks: [...blocks, ...blocks] }))).toEqual(['block-count']);
  });

  it('checks modal titles, submit with inputs and private_metadata', () => {
    const view = {
      type: 'modal',
      title: { type: 'plain_text', text: 't'.repeat(25) },
      private_metadata: 'p'.repeat(3001),
      blocks: [
        {
          type: 'input',
          label: { type: 'plain_text', text: 'L' },
          element: { type: 'plain_text_input', action_id: 'i' },
        },
      ],
    };
    expect(rules(checkView(view))).toEqual(['view-title', 'view-submit', 'private-metadata']);
  });
});
