import { describe, expect, it } from 'vitest';
import { BUILDER_ACTIONS, EMITTED_ACTION_IDS } from '../../../src/slack/blocks/index.js';
import { ACTIONS } from '../../../src/slack/ids.js';
import { actionIds, buttonValues, checkMessage, checkView } from '../../helpers/slack-limits.js';
import { allProduced } from './all-messages.js';

const produced = allProduced();
const check = (o: (typeof produced)[number]['output']) =>
  'type' in o ? checkView(o) : checkMessage(o as { text: string; blocks: unknown[] });

describe('every generated message', () => {
  it.each(produced.map((p) => [p.name, p] as const))('%s passes the limits checker', (_name, p) => {
    expect(check(p.output)).toEqual([]);
  });

  it('keeps every button value within 255 characters', () => {
    const values = produced.flatMap((p) => buttonValues(p.output.blocks));
    expect(values.length).toBeGreaterThan(50);
    for (const v of values) expect([...v].length).toBeLessThanOrEqual(255);
  });

  it('uses only action ids from ACTIONS, and only those its builder declares', () => {
    const known = new Set<string>(Object.values(ACTIONS));
    for (const p of produced) {
      for (const id of actionIds(p.output.blocks)) {
        // Modal inputs carry input action ids (INPUTS, override-modal's overrideInput), not button ids.
        const modals = [
          'claimModal',
          'exemptModal',
          'overrideModal',
          'confirmCriticalModal',
          'policyModal',
          'scheduleModal',
        ];
        if (modals.includes(p.builder)) continue;
        expect(known.has(id), `${p.name} emits ${id}`).toBe(true);
        expect(BUILDER_ACTIONS[p.builder] as readonly string[], `${p.name} emits ${id}`).toContain(id);
      }
    }
  });

  it('exercises every action id the registry declares', () => {
    const seen = new Set(produced.flatMap((p) => actionIds(p.output.blocks)));
    for (const id of EMITTED_ACTION_IDS) expect(seen.has(id), id).toBe(true);
  });
});
