// The approval risk rules of issue 13: each executor's level per environment, and the context
// rules (production tag, monthly amount, size) that raise it, one level each, capped at CRITICAL.
import { describe, expect, it } from 'vitest';
import {
  approvalRisk,
  RAISE_MONTHLY_USD,
  RAISE_SIZE,
  raise,
  riskContextOf,
} from '../../src/engine/approval-risk.js';
import { executors } from '../../src/executors/index.js';

const LAB = { environment: 'LAB' } as const;
const PROD = { environment: 'PROD' } as const;
const level = (kind: keyof typeof executors, account: typeof LAB | typeof PROD, ctx = {}) =>
  approvalRisk(executors[kind], {}, account, ctx).level;

describe('approval risk levels', () => {
  it.each([
    ['tag-resource', 'LOW', 'LOW'],
    ['create-snapshot', 'LOW', 'LOW'],
    ['release-elastic-ip', 'LOW', 'LOW'],
    ['stop-instance', 'MEDIUM', 'HIGH'],
    ['resize-instance', 'MEDIUM', 'HIGH'],
    ['modify-ebs-volume', 'MEDIUM', 'MEDIUM'],
    ['spot-lab-switch', 'MEDIUM', 'HIGH'],
    ['spot-k8s-replace', 'MEDIUM', 'CRITICAL'],
    ['delete-ebs-volume', 'HIGH', 'HIGH'],
    ['delete-ebs-snapshot', 'HIGH', 'HIGH'],
    ['spot-asg-swap', 'HIGH', 'HIGH'],
    ['terminate-instance', 'HIGH', 'CRITICAL'],
  ] as const)('%s is %s in LAB and %s in PROD', (kind, lab, prod) => {
    expect(level(kind, LAB)).toBe(lab);
    expect(level(kind, PROD)).toBe(prod);
  });

  it('raises a level for a production tag on a resource in a LAB account (not again in PROD)', () => {
    const ctx = { tags: { Environment: 'Production' } };
    expect(approvalRisk(executors['stop-instance'], {}, LAB, ctx)).toEqual({
      level: 'HIGH',
      base: 'MEDIUM',
      raisedBy: ['tagged Environment=Production in a LAB account'],
    });
    expect(level('stop-instance', PROD, ctx)).toBe('HIGH');
    expect(level('stop-instance', LAB, { tags: { Environment: 'staging' } })).toBe('MEDIUM');
  });

  it('raises a level from the monthly amount and the size, one each, never past CRITICAL', () => {
    expect(level('release-elastic-ip', LAB, { monthlyUsd: RAISE_MONTHLY_USD - 0.01 })).toBe('LOW');
    expect(level('release-elastic-ip', LAB, { monthlyUsd: RAISE_MONTHLY_USD })).toBe('MEDIUM');
    expect(level('release-elastic-ip', LAB, { monthlyUsd: 5000, size: RAISE_SIZE })).toBe('HIGH');
    expect(level('terminate-instance', PROD, { monthlyUsd: 5000, size: 50 })).toBe('CRITICAL');
    expect(raise('HIGH', 3)).toBe('CRITICAL');
  });

  it('reads the context from a recommendation: tags and instance count in its evidence, its monthly amount', () => {
    expect(
      riskContextOf({ evidence: { tags: { env: 'prod' }, instanceCount: 12 }, monthlySavingsUsd: 40 }),
    ).toEqual({ tags: { env: 'prod' }, monthlyUsd: 40, size: 12 });
    expect(riskContextOf({ evidence: {}, monthlySavingsUsd: 3 })).toEqual({
      tags: undefined,
      monthlyUsd: 3,
      size: undefined,
    });
  });
});
