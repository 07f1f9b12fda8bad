import { describe, expect, it } from 'vitest';
import { recommendationCard } from '../../../src/slack/blocks/recommendation-card.js';
import { ACTIONS } from '../../../src/slack/ids.js';
import { actionIds, buttonValues } from '../../helpers/slack-limits.js';
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

  it('offers Approve, Reject and Shadow run carrying the recommendation id', () => {
    const card = recommendationCard(f.labInstanceRecommendation);
    expect(actionIds(card.blocks)).toEqual([ACTIONS.approve, ACTIONS.reject, ACTIONS.shadowRun]);
    expect(buttonValues(card.blocks)).toEqual(['41', '41', '41']);
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
});
