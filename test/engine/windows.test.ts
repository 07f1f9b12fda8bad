// Run windows from policy + clock (pure): cron matching in a time zone, freezes, maintenance
// windows and the next allowed time.
import { describe, expect, it } from 'vitest';
import { defaultPolicy } from '../../src/engine/policy.js';
import { runGate } from '../../src/engine/windows.js';
import { nextCronMatch, parseCron } from '../../src/lib/cron-next.js';

const at = (s: string) => new Date(s);
const policy = (o: Partial<ReturnType<typeof defaultPolicy>>) => ({
  ...defaultPolicy({ environment: 'LAB' }),
  ...o,
});

describe('cron', () => {
  it('finds the next match on the wall clock of a time zone', () => {
    const weekdays22 = parseCron('0 22 * * 1-5');
    // Friday 27 Nov 2026 12:00 UTC; 22:00 in Paris (UTC+1) is 21:00 UTC.
    expect(nextCronMatch(weekdays22, at('2026-11-27T12:00:00Z'), 'Europe/Paris')).toEqual(
      at('2026-11-27T21:00:00Z'),
    );
    // After Friday's window: Monday.
    expect(nextCronMatch(weekdays22, at('2026-11-27T21:01:00Z'), 'Europe/Paris')).toEqual(
      at('2026-11-30T21:00:00Z'),
    );
    expect(nextCronMatch(parseCron('30 2 1 * *'), at('2026-11-27T00:00:00Z'), 'UTC')).toEqual(
      at('2026-12-01T02:30:00Z'),
    );
    expect(nextCronMatch(parseCron('0 9 * * sun'), at('2026-11-27T00:00:00Z'), 'UTC')).toEqual(
      at('2026-11-29T09:00:00Z'),
    );
  });

  it('explains an invalid expression in a sentence', () => {
    expect(() => parseCron('0 25 * * *')).toThrow('"25" is not a valid hour (0-23)');
    expect(() => parseCron('0 22 * *')).toThrow('has 4 fields; a cron expression has 5');
  });
});

describe('runGate', () => {
  it('lets work run any time when there is no window and no freeze', () => {
    expect(runGate(policy({}), at('2026-11-24T12:00:00Z'))).toEqual({ ok: true });
  });

  it('outside a maintenance window says when the next one starts; at its start and inside it, work runs', () => {
    const p = policy({
      timeZone: 'America/New_York',
      maintenanceWindows: [{ cron: '0 1 * * *', durationMinutes: 120 }],
    });
    // 01:00 New York (UTC-5 in November) is 06:00 UTC.
    expect(runGate(p, at('2026-11-24T12:00:00Z'))).toEqual({
      ok: false,
      kind: 'maintenance',
      reason: 'outside the maintenance windows',
      nextAt: at('2026-11-25T06:00:00Z'),
    });
    expect(runGate(p, at('2026-11-25T05:59:00Z')).ok).toBe(false);
    expect(runGate(p, at('2026-11-25T06:00:00Z'))).toEqual({ ok: true });
    expect(runGate(p, at('2026-11-25T07:59:00Z'))).toEqual({ ok: true });
    expect(runGate(p, at('2026-11-25T08:00:00Z')).ok).toBe(false);
  });

  it('never runs inside a freeze, approved or not, and resumes at its end (or the next window after it)', () => {
    const freeze = { start: at('2026-12-20T00:00:00Z'), end: at('2026-12-27T00:00:00Z'), reason: 'year end' };
    expect(runGate(policy({ freezes: [freeze] }), at('2026-12-22T10:00:00Z'))).toEqual({
      ok: false,
      kind: 'freeze',
      reason: 'change freeze (year end) until 2026-12-27T00:00:00.000Z',
      nextAt: freeze.end,
    });
    const withWindow = policy({
      freezes: [freeze],
      maintenanceWindows: [{ cron: '0 22 * * *', durationMinutes: 60 }],
    });
    expect(runGate(withWindow, at('2026-12-22T22:10:00Z'))).toMatchObject({
      ok: false,
      nextAt: at('2026-12-27T22:00:00Z'),
    });
    expect(runGate(withWindow, at('2026-12-27T22:10:00Z'))).toEqual({ ok: true });
  });
});
