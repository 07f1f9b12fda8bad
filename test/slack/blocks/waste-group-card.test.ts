import { describe, expect, it } from 'vitest';
import { parseApproveAll, parseShowMore } from '../../../src/slack/blocks/values.js';
import { wasteGroupCard } from '../../../src/slack/blocks/waste-group-card.js';
import { ACTIONS } from '../../../src/slack/ids.js';
import { checkMessage, interactiveElements } from '../../helpers/slack-limits.js';
import * as f from './fixtures.js';

const buttons = (blocks: unknown[], actionId: string) =>
  interactiveElements(blocks).filter((e) => e.action_id === actionId);

describe('waste-group-card', () => {
  it('renders a group with items in every state', () => {
    expect(wasteGroupCard(f.ebsGroup)).toMatchSnapshot();
  });

  it('renders released and dry-run items of an Elastic IP group, with no Approve all left', () => {
    const card = wasteGroupCard(f.eipGroup);
    expect(card).toMatchSnapshot();
    expect(buttons(card.blocks, ACTIONS.approveAll)).toHaveLength(0);
    expect(JSON.stringify(card.blocks)).toContain('released by <@U1>');
  });

  it('gives open items their own Approve and Ignore, and decided items their state instead', () => {
    const card = wasteGroupCard(f.ebsGroup);
    expect(buttons(card.blocks, ACTIONS.approve).map((b) => b.value)).toEqual(['1000', '1001']);
    expect(buttons(card.blocks, ACTIONS.ignore).map((b) => b.value)).toEqual(['1000', '1001']);
    expect(buttons(card.blocks, ACTIONS.rollback).map((b) => b.value)).toEqual(['88']);
    expect(JSON.stringify(card.blocks)).toContain('no longer valid: vol-0abc003 is attached to i-0777 again');
  });

  it('approves all by group key, not by a list of ids', () => {
    const [approveAll] = buttons(wasteGroupCard(f.bigEbsGroup(200)).blocks, ACTIONS.approveAll);
    expect(approveAll?.value).toBe('{"g":"3:us-east-1:ebs-unattached"}');
    expect(parseApproveAll(approveAll!.value as string)).toEqual({ group: '3:us-east-1:ebs-unattached' });
  });

  it('pages 200 items 20 at a time with Show next, and goes back to the start from the last page', () => {
    const first = wasteGroupCard(f.bigEbsGroup(200));
    expect(first).toMatchSnapshot();
    expect(checkMessage(first)).toEqual([]);
    const [next] = buttons(first.blocks, ACTIONS.showMore);
    expect(next?.text).toMatchObject({ text: 'Show next 20' });
    expect(parseShowMore(next!.value as string)).toEqual({ group: '3:us-east-1:ebs-unattached', offset: 20 });

    const last = wasteGroupCard(f.bigEbsGroup(200, 180));
    expect(JSON.stringify(last.blocks)).toContain('Showing 181–200 of 200');
    const [back] = buttons(last.blocks, ACTIONS.showMore);
    expect(back?.text).toMatchObject({ text: 'Back to first 20' });
    expect(parseShowMore(back!.value as string)).toEqual({ group: '3:us-east-1:ebs-unattached', offset: 0 });
  });

  it('counts the whole group in the header while showing one page', () => {
    const card = wasteGroupCard(f.bigEbsGroup(200, 40));
    expect(card.blocks[0]).toMatchObject({
      type: 'header',
      text: { text: expect.stringMatching(/^200 unattached EBS volumes, /) },
    });
    // Item 40 (vol-0abc028) was ignored, so it leads the page without buttons.
    expect(JSON.stringify(card.blocks[3])).toContain('vol-0abc028');
    expect(buttons(card.blocks, ACTIONS.ignore)[0]?.value).toBe('1041');
  });

  it('shrinks a requested page that would not fit in 50 blocks', () => {
    const card = wasteGroupCard({ ...f.bigEbsGroup(200), pageSize: 40 });
    expect(card.blocks.length).toBeLessThanOrEqual(50);
    expect(buttons(card.blocks, ACTIONS.approve).length).toBeLessThan(40);
    expect(checkMessage(card)).toEqual([]);
  });

  it('keeps pathological titles, notes and labels within every limit', () => {
    const card = wasteGroupCard(f.pathologicalWasteGroup);
    expect(checkMessage(card)).toEqual([]);
    expect(JSON.stringify(card.blocks)).not.toMatch(/<word/);
  });

  it('refuses a group key too long for a button value rather than cutting it', () => {
    expect(() => wasteGroupCard({ ...f.ebsGroup, groupKey: 'k'.repeat(300) })).toThrow(/button value/);
  });
});
