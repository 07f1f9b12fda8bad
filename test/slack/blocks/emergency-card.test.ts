// The emergency card and the replaced-before-termination line in /spot savings and the digest.
import { describe, expect, it } from 'vitest';
import { ESR_SCOPE } from '../../../src/engine/effective-savings-rate.js';
import { digest } from '../../../src/slack/blocks/digest.js';
import { emergencyCard } from '../../../src/slack/blocks/emergency-card.js';
import { savingsReport } from '../../../src/slack/blocks/measured-savings.js';
import { renderTemplate } from '../../../src/slack/templates.js';
import { checkMessage } from '../../helpers/slack-limits.js';

const input = {
  account: { name: 'prod', awsAccountId: '123456789012' },
  region: 'us-east-1',
  instanceId: 'i-0aaa1',
  event: 'interruption' as const,
  target: 'asg' as const,
  status: 'replaced' as const,
  summary: 'Replaced i-0aaa1 in web with i-0clone1 (Spot, use1-az6/m5.large) before AWS reclaimed it',
  replacementId: 'i-0clone1',
  onDemand: false,
  warnedAt: '2026-12-01T12:00:00.000Z',
  deadlineAt: '2026-12-01T12:02:00.000Z',
  healthyAt: '2026-12-01T12:00:55.000Z',
  executionId: 7,
};

describe('the emergency card', () => {
  it('says what was replaced, by what, and how long before the deadline it was healthy', () => {
    const msg = emergencyCard(input);
    expect(checkMessage(msg)).toEqual([]);
    const text = JSON.stringify(msg.blocks);
    expect(msg.text).toBe('Emergency replacement done: i-0aaa1 (Spot interruption warning) in prod');
    expect(text).toContain('healthy 65 s before AWS reclaimed the old one');
    expect(text).toContain('without approval');
  });

  it('is the emergency_report template the outbox names, and marks an On-Demand fallback', () => {
    const msg = renderTemplate('emergency_report', { ...input, onDemand: true });
    expect(msg && checkMessage(msg)).toEqual([]);
    expect(JSON.stringify(msg?.blocks)).toContain('i-0clone1 (On-Demand)');
    expect(JSON.stringify(msg?.blocks)).toContain('proposed back to Spot');
  });
});

describe('the replaced-before-termination rate', () => {
  const interruptions = { handled: 5, replacedInTime: 4, rate: 0.8 };
  it('is a line of /spot savings', () => {
    const msg = savingsReport({
      rows: [],
      esr: { rate: null, scope: ESR_SCOPE, pricedInstances: 0, unpriced: 0 },
      interruptions,
    });
    expect(JSON.stringify(msg.blocks)).toContain(
      'Interruptions: 4 of 5 replaced before AWS reclaimed them (80%)',
    );
  });

  it('is a line of the digest, and absent when no warning was handled', () => {
    const base = {
      day: new Date('2026-12-01T09:00:00Z'),
      perKind: [],
      topItems: [],
      savings: { realisedMonthlyUsd: 0, estimatedMonthlyUsd: 0, executions: 0, failed: 0 },
    };
    expect(JSON.stringify(digest({ ...base, interruptions }).blocks)).toContain('4 of 5 replaced');
    expect(
      JSON.stringify(
        digest({ ...base, interruptions: { handled: 0, replacedInTime: 0, rate: null } }).blocks,
      ),
    ).not.toContain('Interruptions');
  });
});
