// Real labels: an assessment is joined, once its 7 days have passed, to whether an interruption
// warning arrived in its pool; the labelled rows become the bot's history for evaluation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { poolEvents, riskAssessments } from '../../src/db/schema.js';
import { DAY, ManualClock } from '../../src/lib/clock.js';
import { FEATURE_NAMES } from '../../src/risk/features.js';
import { labelAssessments, labelledHistory } from '../../src/risk/labels.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const T = new Date('2026-11-01T00:00:00Z');
const features = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i]));

describe('risk assessment labels', () => {
  let t: TestDatabase;
  beforeEach(async () => {
    t = await createTestDatabase();
  });
  afterEach(() => t.destroy());

  const assess = (az: string, at: Date) => ({
    region: 'us-east-1',
    availabilityZone: az,
    instanceType: 'm5.large',
    score: 0.1,
    level: 'LOW' as const,
    modelVersion: '2.0.0',
    engine: 'rule',
    features,
    at,
  });

  it('labels an assessment interrupted when a warning came in its pool within 7 days, and only after the 7 days', async () => {
    await t.db.insert(riskAssessments).values([assess('use1-az4', T), assess('use1-az6', T)]);
    await t.db.insert(poolEvents).values({
      eventId: 'e1',
      kind: 'interruption',
      awsAccountId: '111122223333',
      region: 'us-east-1',
      availabilityZone: 'use1-az4',
      instanceType: 'm5.large',
      instanceId: 'i-0a',
      at: new Date(T.getTime() + 3 * DAY),
      raw: {},
    });
    const clock = new ManualClock(new Date(T.getTime() + 6 * DAY));
    expect(await labelAssessments(t.db, clock)).toBe(0); // the horizon has not passed
    clock.advance(2 * DAY);
    expect(await labelAssessments(t.db, clock)).toBe(2);
    const rows = await t.db.select().from(riskAssessments).orderBy(riskAssessments.availabilityZone);
    expect(rows.map((r) => [r.availabilityZone, r.interrupted])).toEqual([
      ['use1-az4', true],
      ['use1-az6', false],
    ]);
    expect(await labelAssessments(t.db, clock)).toBe(0); // labelled once
    const history = await labelledHistory(t.db);
    expect(history.rows).toBe(2);
    expect(Array.from(history.y).sort()).toEqual([0, 1]);
    expect(Array.from(history.x.subarray(0, FEATURE_NAMES.length))).toEqual(FEATURE_NAMES.map((_, i) => i));
  });
});
