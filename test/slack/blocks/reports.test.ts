import { describe, expect, it } from 'vitest';
import { historyMessage, savingsMessage, statusMessage } from '../../../src/slack/blocks/history.js';
import { checkMessage } from '../../helpers/slack-limits.js';

const at = new Date('2026-11-24T11:00:00Z');
const item = (id: number, over = {}) => ({
  id,
  title: `Release Elastic IP 52.1.2.${id}`,
  status: 'succeeded' as const,
  dryRun: false,
  approvedBy: 'U0BOB',
  summary: `Released 52.1.2.${id}`,
  error: null,
  at,
  ...over,
});

describe('report messages', () => {
  it('history lists executions with their outcome and approver', () => {
    const msg = historyMessage({
      items: [
        item(2),
        item(1, { status: 'failed', error: 'the role lacks ec2:ReleaseAddress', summary: null }),
      ],
      total: 2,
      filters: '',
    });
    expect(msg).toMatchSnapshot();
    expect(checkMessage(msg)).toEqual([]);
  });

  it('history says so when nothing ran yet', () => {
    expect(historyMessage({ items: [], total: 0, filters: '' }).text).toBe('No executions yet.');
    expect(historyMessage({ items: [], total: 0, filters: 'lab · last 7 days' }).text).toBe(
      'No executions match (lab · last 7 days).',
    );
  });

  it('history of a thousand executions stays within Slack limits and counts the rest', () => {
    const msg = historyMessage({
      items: Array.from({ length: 20 }, (_, i) =>
        item(i, { summary: 'x'.repeat(5000), account: 'a'.repeat(40) }),
      ),
      total: 1000,
      filters: 'lab · last 365 days · spot-lab',
    });
    expect(checkMessage(msg)).toEqual([]);
    expect(JSON.stringify(msg.blocks)).toContain('980 more executions not shown');
  });

  it('status shows a recommendation and its executions', () => {
    const msg = statusMessage({
      recommendationId: 7,
      title: 'EBS volume vol-1 (100 GiB gp2) unattached for 9 days',
      account: 'payments',
      region: 'us-east-1',
      status: 'executed',
      monthlySavingsUsd: 10,
      firstSeenAt: at,
      executions: [item(3)],
    });
    expect(msg).toMatchSnapshot();
    expect(checkMessage(msg)).toEqual([]);
  });

  it('savings compares realised with estimated per kind', () => {
    const msg = savingsMessage([
      { label: 'Unattached EBS volumes', executions: 3, estimatedMonthlyUsd: 30, actualMonthlyUsd: 30 },
      { label: 'Unassociated Elastic IPs', executions: 2, estimatedMonthlyUsd: 7.2, actualMonthlyUsd: 3.6 },
    ]);
    expect(msg.text).toBe('Savings: $33.60/month realised of $37.20/month estimated');
    expect(msg).toMatchSnapshot();
  });
});
