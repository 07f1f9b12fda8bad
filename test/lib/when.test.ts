import { describe, expect, it } from 'vitest';
import { parsePriority, priorityName } from '../../src/engine/priorities.js';
import { parseTarget } from '../../src/engine/schedule.js';
import { parseWhen } from '../../src/lib/when.js';

const now = new Date('2026-12-02T14:30:00Z');
const at = (text: string) => {
  const r = parseWhen(text, now);
  if (!r.ok) throw new Error(`refused "${text}": ${r.message}`);
  return r.at.toISOString();
};
const refusal = (text: string) => {
  const r = parseWhen(text, now);
  if (r.ok) throw new Error(`accepted "${text}" as ${r.at.toISOString()}`);
  return r.message;
};

describe('reading "when" as a person types it', () => {
  it('takes now as now', () => {
    expect(at('now')).toBe('2026-12-02T14:30:00.000Z');
    expect(at('  NOW ')).toBe('2026-12-02T14:30:00.000Z');
  });

  it('takes durations from now, with or without a space, in minutes, hours and days', () => {
    expect(at('in 2h')).toBe('2026-12-02T16:30:00.000Z');
    expect(at('in 2 hours')).toBe('2026-12-02T16:30:00.000Z');
    expect(at('in 90m')).toBe('2026-12-02T16:00:00.000Z');
    expect(at('in 1h30m')).toBe('2026-12-02T16:00:00.000Z');
    expect(at('in 1d')).toBe('2026-12-03T14:30:00.000Z');
  });

  it('takes today and tomorrow at a 24-hour UTC time', () => {
    expect(at('tomorrow 09:00')).toBe('2026-12-03T09:00:00.000Z');
    expect(at('today 17:45')).toBe('2026-12-02T17:45:00.000Z');
  });

  it('takes ISO date-times, UTC unless an offset is given, with T or a space', () => {
    expect(at('2026-12-03T09:00Z')).toBe('2026-12-03T09:00:00.000Z');
    expect(at('2026-12-03T09:00')).toBe('2026-12-03T09:00:00.000Z');
    expect(at('2026-12-03 09:00')).toBe('2026-12-03T09:00:00.000Z');
    expect(at('2026-12-03T09:00+01:00')).toBe('2026-12-03T08:00:00.000Z');
  });

  it('refuses the past, too far ahead, and what it cannot read, saying what works', () => {
    expect(refusal('today 09:00')).toMatch(/2026-12-02 09:00 UTC is in the past; say `now`/);
    expect(refusal('in 120d')).toMatch(/more than 90 days ahead/);
    expect(refusal('tomorrow')).toMatch(/Say the time too \(UTC\), e.g. `tomorrow 09:00`/);
    expect(refusal('tomorrow 25:00')).toMatch(/not a time; use 24-hour HH:MM/);
    expect(refusal('in 2 fortnights')).toMatch(/"fortnights" is not a unit/);
    expect(refusal('in soon')).toMatch(/with a unit, e.g. `in 30m`/);
    expect(refusal('2026-02-31T10:00')).toMatch(/not a real date/);
    expect(refusal('next tuesday')).toMatch(/try `now`, `in 2h`, `tomorrow 09:00`/);
    expect(refusal('')).toMatch(/Say when/);
  });

  it('treats a time a few seconds in the past (a slow typist) as now', () => {
    expect(at('2026-12-02T14:29:30Z')).toBe('2026-12-02T14:30:00.000Z');
  });
});

describe('priorities and ids in /spot schedule', () => {
  it('orders the named priorities critical > high > medium > low, lower numbers first', () => {
    const p = ['low', 'critical', 'medium', 'high'].map((n) => parsePriority(n)!);
    expect([...p].sort((a, b) => a - b).map(priorityName)).toEqual(['critical', 'high', 'medium', 'low']);
    expect(parsePriority('HIGH')).toBe(50);
    expect(parsePriority('urgent')).toBeNull();
    // Existing values keep their meaning: 100 is the default (medium), Terminate now's 50 is high.
    expect(priorityName(100)).toBe('medium');
    expect(priorityName(50)).toBe('high');
  });

  it('reads a card number as a recommendation and e<n> as an execution', () => {
    expect(parseTarget('42')).toEqual({ kind: 'recommendation', id: 42 });
    expect(parseTarget('#42')).toEqual({ kind: 'recommendation', id: 42 });
    expect(parseTarget('e57')).toEqual({ kind: 'execution', id: 57 });
    expect(parseTarget('exec:57')).toEqual({ kind: 'execution', id: 57 });
    expect(parseTarget('i-0abc')).toBeNull();
  });
});
