import { describe, expect, it } from 'vitest';
import { overrideModal, parseOverrideSubmission } from '../../../src/slack/blocks/override-modal.js';
import { notWorthItText, recommendationCard } from '../../../src/slack/blocks/recommendation-card.js';
import { ACTIONS } from '../../../src/slack/ids.js';
import { actionIds, buttonValues, checkMessage, checkView } from '../../helpers/slack-limits.js';
import * as f from './fixtures.js';

const allText = (m: { blocks: unknown[] }) => JSON.stringify(m.blocks);

describe('recommendation-card', () => {
  it('renders a single-instance lab switch', () => {
    expect(recommendationCard(f.labInstanceRecommendation)).toMatchSnapshot();
  });

  it('renders an ASG with its diversification and a commitment note', () => {
    expect(recommendationCard(f.asgRecommendation)).toMatchSnapshot();
  });

  it('renders an EKS node group', () => {
    expect(recommendationCard(f.nodeGroupRecommendation)).toMatchSnapshot();
  });

  it.each(f.notWorthItRecommendations.map((r) => [r.notWorthIt!.reason, r] as const))(
    'renders the not-worth-it variant: %s',
    (_reason, input) => {
      const card = recommendationCard(input);
      expect(card).toMatchSnapshot();
      expect(actionIds(card.blocks)).not.toContain(ACTIONS.approve);
    },
  );

  it('shows an evaluation-only card with its reason and no buttons', () => {
    const card = recommendationCard({
      ...f.nodeGroupRecommendation,
      evaluationOnly: 'Evaluation only: EKS nodes need cordon and drain.',
    });
    expect(card).toMatchSnapshot();
    expect(card.blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(JSON.stringify(card.blocks)).toContain('Evaluation only: EKS nodes need cordon and drain.');
  });

  it('offers Approve, Reject, Shadow run and Schedule carrying the recommendation id', () => {
    const card = recommendationCard(f.labInstanceRecommendation);
    expect(actionIds(card.blocks)).toEqual([
      ACTIONS.approve,
      ACTIONS.reject,
      ACTIONS.shadowRun,
      ACTIONS.schedule,
    ]);
    expect(buttonValues(card.blocks)).toEqual(['41', '41', '41', '41']);
  });

  it('strikes out a poisoned pool with its expiry, and not one whose poison has expired', () => {
    const text = allText(recommendationCard(f.labInstanceRecommendation));
    expect(text).toContain(
      '~us-east-1b m5.large $0.0331/h~ poisoned until <!date^1773651600^{date_short_pretty}|2026-03-16>',
    );
    expect(text).toContain('• us-east-1d m5.large $0.0388/h');
    expect(text).not.toContain('~us-east-1d');
  });

  it('says the On-Demand price is a list price only when it came from the offline table', () => {
    expect(allText(recommendationCard(f.labInstanceRecommendation))).toContain(
      '(list price as of 2026-02-01)',
    );
    expect(allText(recommendationCard(f.asgRecommendation))).not.toContain('list price');
  });

  it('names the engine that answered, fallback included', () => {
    expect(allText(recommendationCard(f.labInstanceRecommendation))).toContain('ONNX · model 2026.02.1');
    expect(allText(recommendationCard(f.asgRecommendation))).toContain('fallback · model 2026.02.1');
  });

  it('shows at most three risk reasons', () => {
    const text = allText(recommendationCard(f.labInstanceRecommendation));
    expect(text).toContain('One interruption in this pool');
    expect(text).not.toContain('Placement score 7 of 10');
  });

  it('escapes user-provided names', () => {
    const card = recommendationCard({
      ...f.labInstanceRecommendation,
      target: { kind: 'instance', instanceId: 'i-1', name: '<!channel> & co', instanceType: 'm5.large' },
    });
    expect(allText(card)).toContain('&lt;!channel&gt; &amp; co');
    expect(allText(card)).not.toContain('<!channel>');
    expect(card.text).not.toContain('<!channel>');
  });

  describe('refusals (golden)', () => {
    it.each(Object.entries(f.refusedRecommendations))('%s', (_name, input) => {
      const card = recommendationCard(input);
      expect(card).toMatchSnapshot();
      expect(checkMessage(card)).toEqual([]);
      // Approve only when the move can run; Reject stays.
      expect(actionIds(card.blocks)).not.toContain(ACTIONS.approve);
      expect(actionIds(card.blocks)).not.toContain(ACTIONS.shadowRun);
      expect(actionIds(card.blocks)).toContain(ACTIONS.reject);
      const text = allText(card);
      expect(text).toContain('Not offered for approval');
      for (const r of input.preflight!.refusals) expect(text).toContain(r.title.slice(0, 40));
      expect(text).toContain(input.preflight!.path!.slice(0, 40));
    });

    it('offers an override only for reasons an approver may accept', () => {
      const pods = recommendationCard(
        f.refusedRecommendations['node group with pods that cannot move safely']!,
      );
      expect(actionIds(pods.blocks)).toEqual([ACTIONS.overrideRefusals, ACTIONS.reject]);
      expect(allText(pods)).toContain('pod default/worker-5 (no PodDisruptionBudget selects it) and 3 more');
      for (const name of ['asg defined by AZs only', 'node group whose role lacks Kubernetes RBAC'])
        expect(actionIds(recommendationCard(f.refusedRecommendations[name]!).blocks)).toEqual([
          ACTIONS.reject,
        ]);
    });

    it('says why a group defined by AvailabilityZones only gets no Approve', () => {
      const text = allText(recommendationCard(f.refusedRecommendations['asg defined by AZs only']!));
      expect(text).toContain('defined by AvailabilityZones only (eu-west-1a, eu-west-1b), no subnets');
    });

    it('has an override form with one justification per reason, within Slack limits (golden)', () => {
      const input = f.refusedRecommendations['node group with pods that cannot move safely']!;
      const view = overrideModal({
        recommendationId: 62,
        target: 'payments/workers-od',
        refusals: input.preflight!.refusals,
        dryRun: false,
      });
      expect(view).toMatchSnapshot();
      expect(checkView(view)).toEqual([]);
      expect(view.blocks.filter((b) => b.type === 'input')).toHaveLength(8);
      const codes = ['statefulset', 'no-pdb'];
      expect(parseOverrideSubmission({}, codes)).toEqual({
        ok: false,
        errors: { override_statefulset: 'Justify at least one reason, or close this form.' },
      });
      expect(
        parseOverrideSubmission({ override_statefulset: { justification: { value: 'ok' } } }, codes),
      ).toMatchObject({
        ok: false,
        errors: { override_statefulset: expect.stringContaining('10 characters') },
      });
      expect(
        parseOverrideSubmission(
          { override_statefulset: { justification: { value: ' db replicates itself ' } } },
          codes,
        ),
      ).toEqual({ ok: true, overrides: [{ reason: 'statefulset', justification: 'db replicates itself' }] });
    });
  });

  it('says who may approve, with the approval risk apart from the interruption risk', () => {
    const text = allText(recommendationCard(f.labInstanceRecommendation));
    expect(text).toContain('*Interruption risk*');
    expect(text).toContain(
      ':lock: *Approval:* :red_circle: HIGH change (separate from the interruption risk). Approvers: <@U0ALICE>, <!subteam^S0OPS>. <@U0BOB> asked for it and cannot approve their own HIGH move.',
    );
  });

  it('names the AZs whose pools were considered', () => {
    expect(allText(recommendationCard(f.labInstanceRecommendation))).toContain(
      "Pools considered: us-east-1a only (lab mode keeps the instance's subnet).",
    );
    expect(
      notWorthItText({ reason: 'all-pools-poisoned', azs: ['us-east-1a'], instanceTypes: ['m5.large'] }),
    ).toBe('Every Spot pool in us-east-1a for m5.large is poisoned by recent interruptions.');
    expect(notWorthItText({ reason: 'all-pools-poisoned' })).toBe(
      'Every Spot pool for this instance type is poisoned by recent interruptions.',
    );
  });

  it('calls it a recommendation in the notification text and the footer alike', () => {
    for (const input of [f.labInstanceRecommendation, ...f.notWorthItRecommendations]) {
      const card = recommendationCard(input);
      expect(card.text).toMatch(new RegExp(`^Spot recommendation #${input.recommendationId}:`));
      expect(allText(card)).toContain(`Recommendation #${input.recommendationId}`);
      expect(`${card.text} ${allText(card)}`).not.toMatch(/evaluation #/i);
    }
  });
});
