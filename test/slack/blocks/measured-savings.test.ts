// `/spot savings`: estimate vs measured with the ratio, saved so far, and the ESR with its scope.
import { describe, expect, it } from 'vitest';
import { ESR_SCOPE } from '../../../src/engine/effective-savings-rate.js';
import { effectiveSavingsRate } from '../../../src/pricing/realised.js';
import { digest } from '../../../src/slack/blocks/digest.js';
import { savingsReport } from '../../../src/slack/blocks/measured-savings.js';
import { checkMessage } from '../../helpers/slack-limits.js';

describe('/spot savings report', () => {
  it('shows measured against estimated with the ratio, and the Effective Savings Rate with its scope', () => {
    const msg = savingsReport({
      rows: [
        {
          label: 'Spot: single instances',
          executions: 2,
          estimatedMonthlyUsd: 81.32,
          measuredMonthlyUsd: 38.93,
          savedUsd: 2.56,
          ratio: 38.93 / 81.32,
        },
      ],
      esr: { rate: 0.125, scope: ESR_SCOPE, pricedInstances: 8, unpriced: 1 },
    });
    expect(checkMessage(msg)).toEqual([]);
    const text = JSON.stringify(msg.blocks);
    expect(msg.text).toBe('Savings: $38.93/month measured of $81.32/month estimated');
    expect(text).toContain('measured $38.93 vs estimated $81.32/month (48% of estimate)');
    expect(text).toContain('$2.56 saved');
    expect(text).toContain('Effective Savings Rate: 12.5%');
    expect(text).toContain('RI/Savings Plan discounts not included');
    expect(text).toContain('1 instance without a price left out');
  });

  it('says so when nothing was measured yet', () => {
    const msg = savingsReport({
      rows: [],
      esr: { rate: null, scope: ESR_SCOPE, pricedInstances: 0, unpriced: 0 },
    });
    expect(msg.text).toBe('No measured savings yet.');
  });

  it('computes ESR as 1 - actual / On-Demand equivalent (FinOps Foundation)', () => {
    expect(effectiveSavingsRate(70, 100)).toBeCloseTo(0.3, 10);
    expect(effectiveSavingsRate(0, 0)).toBeNull();
  });
});

describe('digest numbers', () => {
  it('says which part of the open total is an upper bound, and shows the ESR beside measured savings', () => {
    // Before: snapshot upper bounds were added into one total without saying so.
    const msg = digest({
      day: new Date('2026-11-25T00:00:00Z'),
      perKind: [{ label: 'Unused EBS snapshots', count: 2, newToday: 0, monthlySavingsUsd: 12 }],
      topItems: [],
      savings: {
        realisedMonthlyUsd: 38.93,
        estimatedMonthlyUsd: 40.66,
        executions: 1,
        failed: 0,
        effectiveSavingsRate: 0.213,
        upperBoundMonthlyUsd: 10,
      },
    });
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('($10.00/month of it an upper bound)');
    expect(text).toContain('*Savings measured*\\n$38.93/month · ESR 21.3%');
    expect(text).toContain('(96% measured)');
  });
});
