import { describe, expect, it } from 'vitest';
import {
  batchProgressLine,
  batchProgressMessage,
  parseApproveAll,
  parseScheduleSubmission,
  shadowItGroupCard,
} from '../../../src/slack/blocks/index.js';
import { ACTIONS, INPUTS } from '../../../src/slack/ids.js';
import { actionIds, checkMessage } from '../../helpers/slack-limits.js';

const NOW = new Date('2026-12-02T12:00:00Z');

describe('the Shadow IT group card', () => {
  const input = (policy: 'terminate' | 'stop' | 'notify') => ({
    groupKey: '3:us-east-1:unauthorized-instances',
    account: { name: 'lab', awsAccountId: '444455556666', environment: 'LAB' as const },
    region: 'us-east-1',
    policy,
    missingTags: ['ManagedBy=SpotOptimizer'],
    items: [1, 2, 3].map((i) => ({
      recommendationId: i,
      instance: { id: `i-0${i}`, type: 't3.micro' },
      launchedBy: null,
      dueAt: NOW,
      state: { kind: 'open' as const },
    })),
    now: NOW,
  });

  it("offers the policy's action for every open instance as one click, and none under notify", () => {
    const terminate = shadowItGroupCard(input('terminate'));
    expect(checkMessage(terminate)).toEqual([]);
    const footer = terminate.blocks.at(-1) as { elements: { text: { text: string }; value: string }[] };
    expect(footer.elements[0]!.text.text).toBe('Terminate all 3 open');
    expect(parseApproveAll(footer.elements[0]!.value)).toEqual({
      group: '3:us-east-1:unauthorized-instances',
    });
    expect(JSON.stringify(shadowItGroupCard(input('stop')).blocks)).toContain('Stop all 3 open');
    expect(actionIds(shadowItGroupCard(input('notify')).blocks)).not.toContain(ACTIONS.approveAll);
  });
});

describe('the batch progress message', () => {
  const counts = { total: 40, succeeded: 12, failed: 1, skipped: 0, cancelled: 0, running: 0, queued: 27 };
  it('reads "12/40 done, 1 failed, 27 queued", naming running, skipped and cancelled only when there are some', () => {
    expect(batchProgressLine(counts)).toBe('12/40 done, 1 failed, 27 queued');
    expect(batchProgressLine({ ...counts, running: 2, queued: 25, skipped: 1 })).toBe(
      '12/40 done, 1 failed, 1 no longer valid, 2 running, 25 queued',
    );
  });

  it('says the batch stopped, and that the queued rest was cancelled and is open again', () => {
    const m = batchProgressMessage({
      batchId: 'b1',
      description: 'Approve all: 40 unattached EBS volumes in lab us-east-1',
      requestedBy: 'U0BOB',
      settings: 'parallel: up to 4 at once, stops after 1 failure',
      counts: { ...counts, queued: 0, cancelled: 27 },
      stopReason: 'stopped after 1 failure',
    });
    expect(m.text).toBe(
      'Batch b1: 12/40 done, 1 failed, 0 queued, 27 cancelled (stopped: stopped after 1 failure)',
    );
    expect(JSON.stringify(m.blocks)).toContain('The 27 items still queued were cancelled and are open again');
    expect(checkMessage(m)).toEqual([]);
  });
});

describe('the Schedule modal answer', () => {
  const values = (when: string, priority?: string) => ({
    [INPUTS.when.block]: { [INPUTS.when.action]: { value: when } },
    [INPUTS.priority.block]: {
      [INPUTS.priority.action]: priority ? ({ selected_option: { value: priority } } as never) : undefined,
    },
  });
  it('reads when and priority, and returns errors keyed by block for the form', () => {
    expect(parseScheduleSubmission(values('in 30m', 'critical'), NOW)).toEqual({
      ok: true,
      at: new Date('2026-12-02T12:30:00Z'),
      priority: 10,
    });
    expect(parseScheduleSubmission(values('now'), NOW)).toEqual({ ok: true, at: NOW, priority: 100 });
    const bad = parseScheduleSubmission(values('yesterday', 'urgent'), NOW);
    expect(bad.ok).toBe(false);
    expect(Object.keys((bad as { errors: Record<string, string> }).errors).sort()).toEqual(
      [INPUTS.priority.block, INPUTS.when.block].sort(),
    );
  });
});
