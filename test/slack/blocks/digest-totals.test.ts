// The digest's totals add up: the kinds listed plus the "more kinds" line make the open total,
// and "up to" marks every figure that contains an upper bound, and only those.
import { describe, expect, it } from 'vitest';
import { digest } from '../../../src/slack/blocks/digest.js';
import { checkMessage } from '../../helpers/slack-limits.js';

const perKind = Array.from({ length: 14 }, (_, i) => ({
  label: `Kind ${i + 1}`,
  count: 10 * (i + 1),
  newToday: 0,
  monthlySavingsUsd: 100 * (i + 1),
  upperBoundMonthlyUsd: i === 0 || i === 12 ? 100 * (i + 1) : 0,
}));

describe('digest totals', () => {
  const msg = digest({
    day: new Date('2026-12-02T09:00:00Z'),
    dayLabel: '2026-12-02',
    perKind,
    topItems: [],
    savings: {
      realisedMonthlyUsd: 0,
      estimatedMonthlyUsd: 0,
      executions: 0,
      failed: 0,
      upperBoundMonthlyUsd: 1400,
    },
    chartDays: 30,
  });
  const byKind = JSON.stringify(msg.blocks)
    .match(/\*By kind\*\\n(.*?)"/)![1]!
    .split('\\n');

  it('lists ten kinds and sums the rest in one line, so the lines add up to the total', () => {
    expect(byKind).toHaveLength(11);
    expect(byKind.at(-1)).toBe('• 4 more kinds: 100 · up to $1,000.00/month');
    const counts = byKind.map((l) => Number(/: (\d+)/.exec(l)![1]));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(perKind.reduce((n, k) => n + k.count, 0));
    const usd = byKind.map((l) => Number(/\$([\d,.]+)\/month/.exec(l)![1]!.replace(/,/g, '')));
    expect(usd.reduce((a, b) => a + b, 0)).toBe(10_500);
    expect(msg.text).toContain('1050 open findings (up to $10,500.00/month)');
  });

  it('says "up to" only where an upper bound is in the figure', () => {
    expect(byKind.find((l) => l.includes('Kind 13'))).toContain('up to $1,300.00/month');
    expect(byKind.find((l) => l.includes('Kind 14'))).toBe('• Kind 14: 140 · $1,400.00/month');
    expect(JSON.stringify(msg.blocks)).toContain('($1,400.00/month of it an upper bound)');
  });

  it('names the chart and the day in its time zone, within Slack limits', () => {
    expect(msg.text).toMatch(/^Daily digest 2026-12-02:/);
    expect(JSON.stringify(msg.blocks)).toContain('Savings over the last 30 days in the chart below.');
    expect(checkMessage(msg)).toEqual([]);
  });
});
