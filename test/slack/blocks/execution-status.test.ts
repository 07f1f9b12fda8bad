import { describe, expect, it } from 'vitest';
import {
  executionStatusFallback,
  executionStatusMessage,
  executionStatusText,
  withExecutionStatus,
} from '../../../src/slack/blocks/execution-status.js';
import { recommendationCard } from '../../../src/slack/blocks/recommendation-card.js';
import { shadowItCard } from '../../../src/slack/blocks/shadow-it-card.js';
import { ACTIONS } from '../../../src/slack/ids.js';
import { actionIds, buttonValues } from '../../helpers/slack-limits.js';
import * as f from './fixtures.js';

describe('execution-status', () => {
  it.each(Object.entries(f.executionVariants))('renders %s', (_name, e) => {
    expect(executionStatusMessage(e)).toMatchSnapshot();
  });

  it('offers Roll back only after a real success with undo data', () => {
    const rollbackOffered = Object.entries(f.executionVariants)
      .filter(([, e]) => actionIds(executionStatusMessage(e).blocks).includes(ACTIONS.rollback))
      .map(([name]) => name);
    expect(rollbackOffered).toEqual(['succeeded']);
    expect(buttonValues(executionStatusMessage(f.executionBase).blocks)).toEqual(['88']);
  });

  it('shows the rollback note when the action cannot be undone', () => {
    const text = JSON.stringify(executionStatusMessage(f.executionVariants.succeededIrreversible!).blocks);
    expect(text).toContain('No rollback: a deleted snapshot cannot be restored.');
  });

  it('says what a dry run would have done and that a stale one changed nothing', () => {
    expect(executionStatusText(f.executionVariants.dryRun!)).toContain(
      'Rehearsal only, nothing was changed (dry run): Would have released eipalloc-0a1b2c3d (approved',
    );
    expect(executionStatusText(f.executionVariants.stale!)).toMatch(
      /^:warning: No longer valid: .*; nothing was changed$/,
    );
  });

  it('reads a dry run as a rehearsal: no green tick, no "succeeded", "(dry run)" said once', () => {
    const dry = f.executionVariants.dryRun!;
    for (const text of [executionStatusText(dry), executionStatusFallback(dry)]) {
      expect(text).not.toContain(':white_check_mark:');
      expect(text).not.toContain('succeeded');
      expect(text.match(/\(dry run\)/g)).toHaveLength(1);
    }
    expect(executionStatusFallback(dry)).toMatch(/^Execution #88 rehearsed, nothing changed \(dry run\)/);
    expect(executionStatusText({ ...dry, status: 'approved' })).toMatch(
      /^:test_tube: Approved by .* for a rehearsal/,
    );
  });

  it('shows a long error whole up to a word, never cut in the middle of one', () => {
    const error = `validation failed: ${'the role lacks Kubernetes RBAC create pods/eviction in prod; '.repeat(40)}end`;
    const text = executionStatusText({ ...f.executionBase, status: 'failed', error });
    expect(text.length).toBeLessThan(3000);
    expect(text).toMatch(/(RBAC|create|pods\/eviction|in|prod|the|role|lacks|Kubernetes)… \(approved by/);
  });

  it('replaces the buttons of a recommendation card with the status', () => {
    const card = withExecutionStatus(recommendationCard(f.labInstanceRecommendation), f.executionBase);
    expect(card).toMatchSnapshot();
    expect(actionIds(card.blocks)).toEqual([ACTIONS.rollback]);
  });

  it('replaces the buttons of a Shadow IT card too', () => {
    const card = withExecutionStatus(shadowItCard(f.shadowOpen), f.executionVariants.executing!);
    expect(actionIds(card.blocks)).toEqual([]);
    expect(JSON.stringify(card.blocks)).toContain('executing');
  });

  it('replaces a previous status instead of stacking a second one', () => {
    const base = recommendationCard(f.labInstanceRecommendation);
    const once = withExecutionStatus(base, f.executionVariants.validating!);
    const twice = withExecutionStatus(once, f.executionBase);
    expect(twice.blocks.length).toBe(base.blocks.length - 1 + 3);
    expect(JSON.stringify(twice.blocks)).not.toContain('validating');
    expect(twice.text.match(/status:/g)).toHaveLength(1);
  });
});
