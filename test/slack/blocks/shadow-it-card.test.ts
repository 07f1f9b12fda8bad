import { describe, expect, it } from 'vitest';
import { deadlineText, shadowItCard } from '../../../src/slack/blocks/shadow-it-card.js';
import { ACTIONS } from '../../../src/slack/ids.js';
import { actionIds, interactiveElements } from '../../helpers/slack-limits.js';
import * as f from './fixtures.js';

describe('shadow-it-card', () => {
  it.each(Object.entries(f.shadowVariants))('renders the %s variant', (_name, input) => {
    expect(shadowItCard(input)).toMatchSnapshot();
  });

  it('shows a live deadline in the reader time zone with Slack date tokens', () => {
    const text = JSON.stringify(shadowItCard(f.shadowOpen).blocks);
    expect(text).toContain(
      'Terminates <!date^1773201600^{date_short_pretty} at {time}|2026-03-11 04:00 UTC> (in 19 hours) unless claimed',
    );
  });

  it('follows the account policy: stop, notify only, or already overdue', () => {
    expect(deadlineText(f.shadowVariants.stopPolicy!)).toMatch(/^:alarm_clock: Will be stopped <!date\^/);
    expect(deadlineText(f.shadowVariants.notifyOnly!)).toBe(
      ':bell: Notify only: nothing will be done automatically',
    );
    expect(deadlineText(f.shadowVariants.overdue!)).toContain('Grace period over: terminating shortly');
  });

  it('says unknown when nobody could be found as the launcher', () => {
    expect(JSON.stringify(shadowItCard(f.shadowVariants.notifyOnly!).blocks)).toContain(
      'launched by _unknown_',
    );
  });

  it('offers Claim, Exempt and Terminate now, the last behind a confirm dialog', () => {
    const card = shadowItCard(f.shadowOpen);
    expect(actionIds(card.blocks)).toEqual([ACTIONS.claim, ACTIONS.exempt, ACTIONS.terminateNow]);
    const terminate = interactiveElements(card.blocks).find((e) => e.action_id === ACTIONS.terminateNow);
    expect(terminate).toMatchObject({ value: '501', style: 'danger', confirm: { style: 'danger' } });
  });

  it('replaces the buttons with the outcome once decided', () => {
    for (const name of ['claimed', 'exempted', 'terminated', 'stopped'] as const) {
      expect(actionIds(shadowItCard(f.shadowVariants[name]!).blocks), name).toEqual([]);
    }
    expect(JSON.stringify(shadowItCard(f.shadowVariants.exempted!).blocks)).toContain(
      'Benchmark for &lt;vendor&gt; &amp; co, ends Friday',
    );
    expect(JSON.stringify(shadowItCard(f.shadowVariants.terminated!).blocks)).toContain(
      'snapshots snap-0a1, snap-0b2',
    );
  });
});
