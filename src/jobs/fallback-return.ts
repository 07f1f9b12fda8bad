// Daily: replacements that had to run On-Demand (every Spot pool was poisoned when AWS reclaimed
// their predecessor) are proposed back to Spot once their pool is healthy again, through the normal
// flow: a Spot evaluation (prices, risk, a card with Approve) that people decide on. Each fallback is
// proposed once; a poisoned pool, or an evaluation that fails, leaves it for the next day.
import { getAccount } from '../accounts/store.js';
import { azIdOfName } from '../aws/spot-launch.js';
import { markProposed, openFallbacks } from '../db/queries/on-demand-fallbacks.js';
import type { Deps } from '../deps.js';
import { audit } from '../engine/audit.js';
import { postRecommendationCard } from '../engine/publish.js';
import { describeError } from '../lib/errors.js';
import { isPoolPoisoned } from '../risk/pool-poisoning.js';
import { evaluateSpot } from '../spot/evaluate.js';
import type { SpotTarget } from '../spot/target.js';

export const FALLBACK_RETURN_SCHEDULE = '0 7 * * *';
export const RETURN_ACTOR = 'system:fallback-return';

export interface FallbackReturnSeams {
  /** The Spot evaluation (tests replace the pricing and risk work with a stand-in). */
  evaluate?: typeof evaluateSpot;
}

export async function proposeReturnsToSpot(
  deps: Deps,
  seams: FallbackReturnSeams = {},
): Promise<{ proposed: number; waiting: number; failed: number }> {
  const evaluate = seams.evaluate ?? evaluateSpot;
  let proposed = 0;
  let waiting = 0;
  let failed = 0;
  for (const f of await openFallbacks(deps.db)) {
    try {
      const account = await getAccount(deps.db, f.accountId);
      const azId = await azIdOfName(deps.awsFor(account).ec2(f.region), f.availabilityZone);
      const pool = { region: f.region, az: azId, instanceType: f.instanceType };
      if ((await isPoolPoisoned(deps.db, pool, deps.clock)).poisoned) {
        waiting += 1;
        continue;
      }
      const target: SpotTarget =
        f.target === 'asg' && f.groupName
          ? { mode: 'asg', groupName: f.groupName }
          : { mode: 'lab', instanceId: f.instanceId };
      const { recommendation } = await evaluate(
        deps,
        { target, account: account.name, region: f.region },
        RETURN_ACTOR,
      );
      if (!(await markProposed(deps.db, f.id, recommendation.id, deps.clock.now()))) continue; // another replica did
      await postRecommendationCard(deps, recommendation, account.slackChannel ?? deps.config.SPOTOPS_CHANNEL);
      await audit(deps, {
        actor: 'system',
        event: 'fallback_proposed',
        message: `${f.instanceId} runs On-Demand since an interruption; its Spot pool ${f.availabilityZone}/${f.instanceType} is healthy again, so moving it back to Spot is proposed for approval.`,
        recommendationId: recommendation.id,
        accountId: f.accountId,
        detail: { fallback: f.id },
      });
      proposed += 1;
    } catch (err) {
      failed += 1;
      deps.log.warn(
        { fallback: f.id, instanceId: f.instanceId, err: describeError(err) },
        'proposing a return to Spot failed',
      );
    }
  }
  return { proposed, waiting, failed };
}
