import { describe, expect, it } from 'vitest';
import {
  accountLabel,
  money,
  perHour,
  relative,
  slackDate,
  slackDay,
  who,
} from '../../../src/slack/blocks/format.js';
import {
  actions,
  button,
  context,
  escapeMrkdwn,
  fields,
  fitBlocks,
  header,
  message,
  section,
  truncate,
} from '../../../src/slack/blocks/limits.js';
import {
  encodeApproveAll,
  encodeShowMore,
  parseApproveAll,
  parseId,
  parseShowMore,
  parseWasteGroupKey,
  wasteGroupKey,
} from '../../../src/slack/blocks/values.js';
import { ACTIONS } from '../../../src/slack/ids.js';
import { checkMessage } from '../../helpers/slack-limits.js';

describe('limits', () => {
  it('truncates by code points and marks the cut with an ellipsis', () => {
    expect(truncate('abcdef', 6)).toBe('abcdef');
    expect(truncate('abcdefg', 6)).toBe('abcde…');
    expect([...truncate('🚀'.repeat(200), 150)]).toHaveLength(150);
  });

  it('escapes &, < and > in user text', () => {
    expect(escapeMrkdwn('<@U1> & <!channel>')).toBe('&lt;@U1&gt; &amp; &lt;!channel&gt;');
  });

  it('caps section text at 3000, header at 150, button text at 75 and fields at 10', () => {
    expect(section('s'.repeat(4000)).text?.text).toHaveLength(3000);
    expect(header('h'.repeat(400)).text.text).toHaveLength(150);
    expect(button({ text: 'b'.repeat(100), actionId: ACTIONS.approve }).text.text).toHaveLength(75);
    expect(fields(Array.from({ length: 14 }, (_, i) => `f${i}`)).fields).toHaveLength(10);
  });

  it('replaces empty text with a dash, because Slack refuses empty text objects', () => {
    expect(section('  ').text?.text).toBe('-');
  });

  it('throws on a button value over 255 characters instead of cutting it', () => {
    expect(() => button({ text: 'x', actionId: ACTIONS.approve, value: 'v'.repeat(256) })).toThrow(
      /256 characters, limit 255/,
    );
    expect(button({ text: 'x', actionId: ACTIONS.approve, value: 'v'.repeat(255) }).value).toHaveLength(255);
  });

  it('splits buttons into actions blocks of at most 10', () => {
    const many = Array.from({ length: 23 }, () => button({ text: 'x', actionId: ACTIONS.approve }));
    expect(actions(many).map((a) => a.elements.length)).toEqual([10, 10, 3]);
    expect(actions([])).toEqual([]);
  });

  it('folds context items beyond 10 into the last element', () => {
    const c = context(Array.from({ length: 12 }, (_, i) => `c${i}`));
    expect(c.elements).toHaveLength(10);
    expect(c.elements[9]).toMatchObject({ text: 'c9 · c10 · c11' });
  });

  it('cuts a block list over the limit and says how much was left out', () => {
    const blocks = Array.from({ length: 60 }, (_, i) => section(`b${i}`));
    const fitted = fitBlocks(blocks);
    expect(fitted).toHaveLength(50);
    expect(JSON.stringify(fitted[49])).toContain('11 more blocks not shown');
    expect(checkMessage(message('t', blocks))).toEqual([]);
  });
});

describe('format', () => {
  it('formats money with cents and thousands separators', () => {
    expect(money(84.1)).toBe('$84.10');
    expect(money(1234.5)).toBe('$1,234.50');
    expect(money(Number.NaN)).toBe('$0.00');
    expect(perHour(0.0416)).toBe('$0.0416/h');
  });

  it('writes dates as Slack tokens with a UTC fallback', () => {
    const d = new Date('2026-03-11T04:00:00Z');
    expect(slackDate(d)).toBe('<!date^1773201600^{date_short_pretty} at {time}|2026-03-11 04:00 UTC>');
    expect(slackDay(d)).toBe('<!date^1773201600^{date_short_pretty}|2026-03-11>');
  });

  it('describes time relative to now', () => {
    const now = new Date('2026-03-10T09:00:00Z');
    expect(relative(new Date('2026-03-10T09:20:00Z'), now)).toBe('in 20 minutes');
    expect(relative(new Date('2026-03-11T04:00:00Z'), now)).toBe('in 19 hours');
    expect(relative(new Date('2026-03-05T09:00:00Z'), now)).toBe('5 days ago');
  });

  it('mentions Slack users and escapes other actors', () => {
    expect(who('U024BE7LH')).toBe('<@U024BE7LH>');
    expect(who('arn:aws:iam::1:user/<x>')).toBe('arn:aws:iam::1:user/&lt;x&gt;');
    expect(who(null)).toBe('unknown');
    expect(accountLabel({ name: 'a&b', awsAccountId: '1' })).toBe('a&amp;b (1)');
  });
});

describe('values', () => {
  it('round-trips group keys and button values', () => {
    const key = wasteGroupKey(12, 'us-east-1', 'ebs-unattached');
    expect(parseWasteGroupKey(key)).toEqual({ accountId: 12, region: 'us-east-1', kind: 'ebs-unattached' });
    expect(parseApproveAll(encodeApproveAll(key))).toEqual({ group: key });
    expect(parseShowMore(encodeShowMore(key, 40))).toEqual({ group: key, offset: 40 });
  });

  it('rejects malformed values', () => {
    expect(parseApproveAll('not json')).toBeNull();
    expect(parseApproveAll('{"ids":[1,2]}')).toBeNull();
    expect(parseShowMore('{"group":"g","offset":-1}')).toBeNull();
    expect(parseShowMore('{"group":"g","offset":"20"}')).toBeNull();
    expect(parseId('41')).toBe(41);
    expect(parseId('041')).toBeNull();
    expect(parseId('4 1')).toBeNull();
    expect(parseWasteGroupKey('x:us-east-1:ebs')).toBeNull();
  });
});
