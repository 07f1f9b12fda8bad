// `/spot evaluate`: price -> eligibility -> poisoned pools -> risk -> decision with reasons.
// The result is a recommendation row (kind spot-lab | spot-asg | spot-k8s) whose evidence holds
// the card's input, so the card can be rendered again after every state change.
import { eq } from 'drizzle-orm';
import { zoneNames } from '../aws/zones.js';
import { type Recommendation, recommendations, riskAssessments } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { audit } from '../engine/audit.js';
import { DAY } from '../lib/clock.js';
import { UserError } from '../lib/errors.js';
import { fingerprint } from '../lib/ids.js';
import { onDemandPrice } from '../pricing/on-demand.js';
import { monthlySavings } from '../pricing/savings.js';
import { currentSpotPrices, spotPriceSeries } from '../pricing/spot.js';
import { advisorBand } from '../risk/advisor.js';
import { assessPools, type PoolAssessment, UNKNOWN_BAND } from '../risk/assess.js';
import { FEATURE_NAMES, featureVector, type PoolSnapshot, priceStats } from '../risk/features.js';
import { activeModel, loadActiveModel } from '../risk/models.js';
import { isPoolPoisoned, poolInterruptions } from '../risk/pool-poisoning.js';
import type {
  NotWorthIt,
  RecommendationCardInput,
  SpotPoolPrice,
} from '../slack/blocks/recommendation-card.js';
import { checkCommitments } from './commitments.js';
import { diversificationCandidates, instanceTypeSpec } from './instance-types.js';
import { describeTarget, type LocatedTarget, locateTarget } from './locate.js';
import { preflightFor } from './preflight.js';
import type { EvaluateRequest } from './target.js';

/** Types priced for an ASG / node group (the group's own first, then equal-or-larger ones). */
const DIVERSIFY_TYPES = 6;
const PRODUCT = 'Linux/UNIX';

interface Candidate {
  azId: string;
  azName: string;
  instanceType: string;
  price: number;
  poisonedUntil?: Date;
  assessment?: PoolAssessment;
}

let modelCache: { key: string; loaded: Awaited<ReturnType<typeof loadActiveModel>> } | undefined;

/** The active risk model, loaded once per version (the registry may switch it at any time). */
async function riskModel(deps: Deps) {
  const record = await activeModel(deps.db);
  const key = `${record?.version}|${record?.sha256}|${record?.fallback}`;
  if (!modelCache || modelCache.key !== key) modelCache = { key, loaded: await loadActiveModel(deps.db) };
  return modelCache.loaded;
}

export interface Evaluation {
  recommendation: Recommendation;
  card: Omit<RecommendationCardInput, 'now'>;
}

export async function evaluateSpot(deps: Deps, req: EvaluateRequest, actor: string): Promise<Evaluation> {
  const located = await locateTarget(deps, req);
  const { account, region } = located;
  const aws = deps.awsFor(account);
  const ec2 = aws.ec2(region);
  const now = deps.clock.now();
  const baseType = located.instanceTypes[0];
  if (!baseType) throw new UserError(`${describeTarget(req.target)} has no instances to evaluate.`);

  // Prices: On-Demand list price, and the Spot price in every AZ for each candidate type.
  const od = await onDemandPrice(
    { db: deps.db, pricing: deps.operator.pricing, clock: deps.clock, logger: deps.log },
    region,
    baseType,
  );
  if (!od) throw new UserError(`spotops has no On-Demand price for ${baseType} in ${region}.`);
  const spec = instanceTypeSpec(baseType);
  const types =
    located.target.mode === 'lab'
      ? [baseType]
      : [
          ...new Set([...located.instanceTypes, ...diversificationCandidates(baseType).map((t) => t.type)]),
        ].slice(0, DIVERSIFY_TYPES);
  const names = await zoneNames(ec2).catch(() => new Map<string, string>());
  const spotDeps = {
    db: deps.db,
    ec2: () => ec2,
    clock: deps.clock,
    gapMinutes: deps.config.PRICE_GAP_MINUTES,
    logger: deps.log,
  };
  const candidates: Candidate[] = [];
  for (const type of types) {
    for (const p of await currentSpotPrices(spotDeps, region, type, PRODUCT)) {
      const azName = names.get(p.az) ?? p.az;
      // Lab mode keeps the instance's subnet, so only its own AZ can be chosen; groups use their AZs.
      if (located.azNames.length > 0 && !located.azNames.includes(azName)) continue;
      const poison = await isPoolPoisoned(deps.db, { region, az: p.az, instanceType: type }, deps.clock);
      candidates.push({
        azId: p.az,
        azName,
        instanceType: type,
        price: p.price,
        poisonedUntil: poison.poisoned ? poison.expiresAt : undefined,
      });
    }
  }

  // Risk for every pool, in one batch; poisoned pools are HIGH whatever the model says.
  const { model, fallback } = await riskModel(deps);
  const snapshots = await Promise.all(
    candidates.map(async (c) => {
      const pool = { region, az: c.azId, instanceType: c.instanceType };
      const series = await spotPriceSeries(
        deps.db,
        { ...pool, availabilityZone: c.azId, product: PRODUCT },
        new Date(now.getTime() - 7 * DAY),
      );
      const stats = priceStats(series, now);
      return {
        region,
        availabilityZone: c.azId,
        instanceType: c.instanceType,
        at: now,
        spotPrice: c.price,
        onDemandPrice: od.pricePerHour,
        priceTrend24h: stats.trend24h,
        priceVolatility7d: stats.volatility7d,
        interruptions7d: await poolInterruptions(deps.db, pool, 7, deps.clock),
        interruptions30d: await poolInterruptions(deps.db, pool, 30, deps.clock),
        rebalances7d: 0,
        poisoned: c.poisonedUntil !== undefined,
        poisonExpiresAt: c.poisonedUntil ?? null,
      };
    }),
  );
  const assessments = snapshots.length ? await assessPools(snapshots, { model, fallback }) : [];
  candidates.forEach((c, i) => {
    c.assessment = assessments[i];
  });
  await recordAssessments(
    deps,
    region,
    candidates,
    snapshots.map((s) => ({ ...s, advisorBand: advisorBand(region, s.instanceType) ?? UNKNOWN_BAND })),
  );

  // Decision: the cheapest healthy pool (not poisoned, not HIGH risk); a group spreads over all of them.
  const healthy = candidates.filter((c) => !c.poisonedUntil && c.assessment?.level !== 'HIGH');
  const usable = candidates.filter((c) => !c.poisonedUntil);
  const chosen = [...(healthy.length ? healthy : usable)].sort((a, b) => a.price - b.price)[0];
  const commitments = await checkCommitments(aws, region, baseType, located.azNames, deps.log);
  const movable = Math.max(0, located.onDemandCount - commitments.reservedCount);
  const savings = chosen ? monthlySavings(movable, od.pricePerHour, chosen.price) : 0;

  // The pools considered: lab mode keeps the instance's subnet (its AZ only); groups use their AZs.
  const scopeAzs = located.azNames.length
    ? located.azNames
    : [...new Set(candidates.map((c) => c.azName))].sort();
  const scope: RecommendationCardInput['scope'] = {
    azs: scopeAzs,
    reason:
      located.target.mode === 'lab' ? 'instance-subnet' : located.azNames.length ? 'group-subnets' : 'region',
  };

  let notWorthIt: NotWorthIt | undefined;
  if (located.blocker) notWorthIt = { reason: 'not-spot-capable', detail: located.blocker };
  else if (spec && !spec.spotSupported)
    notWorthIt = { reason: 'not-spot-capable', detail: `${baseType} is not offered as Spot` };
  else if (candidates.length === 0)
    notWorthIt = {
      reason: 'not-spot-capable',
      detail: `AWS reports no Spot price for ${baseType} in ${located.azNames.join(', ') || region}`,
    };
  else if (!chosen) notWorthIt = { reason: 'all-pools-poisoned', azs: scopeAzs, instanceTypes: types };
  else if (commitments.coveringPlan)
    notWorthIt = {
      reason: 'covered-by-commitment',
      commitment: { kind: 'savings-plan', id: commitments.coveringPlan },
    };
  else if (movable === 0 && commitments.commitments[0])
    notWorthIt = { reason: 'covered-by-commitment', commitment: commitments.commitments[0] };
  else if (savings < deps.config.SPOT_MIN_MONTHLY_SAVINGS_USD)
    notWorthIt = {
      reason: 'savings-below-threshold',
      thresholdUsd: deps.config.SPOT_MIN_MONTHLY_SAVINGS_USD,
    };

  const risk = chosen?.assessment ?? candidates.map((c) => c.assessment).find(Boolean);
  const kind =
    located.target.mode === 'lab' ? 'spot-lab' : located.target.mode === 'asg' ? 'spot-asg' : 'spot-k8s';
  const healthyAzs = [...new Set((healthy.length ? healthy : usable).map((c) => c.azName))];
  const healthyTypes = [...new Set((healthy.length ? healthy : usable).map((c) => c.instanceType))];
  const card: Omit<RecommendationCardInput, 'now'> = {
    recommendationId: 0,
    target:
      located.target.mode === 'lab'
        ? {
            kind: 'instance',
            instanceId: located.instance!.id,
            name: located.instance!.name ?? null,
            instanceType: baseType,
          }
        : located.target.mode === 'asg'
          ? {
              kind: 'asg',
              name: located.target.groupName,
              instanceTypes: located.instanceTypes,
              onDemandCount: located.onDemandCount,
            }
          : {
              kind: 'node-group',
              cluster: located.target.cluster,
              name: located.target.nodegroup,
              instanceTypes: located.instanceTypes,
              onDemandCount: located.onDemandCount,
            },
    account,
    region,
    onDemand: { pricePerHour: od.pricePerHour, source: od.source, asOf: od.asOf },
    spotPrices: candidates.map(
      (c): SpotPoolPrice => ({
        az: c.azName,
        instanceType: c.instanceType,
        pricePerHour: c.price,
        poisonedUntil: c.poisonedUntil ?? null,
      }),
    ),
    chosen: chosen ? { az: chosen.azName, instanceType: chosen.instanceType } : null,
    diversification: located.target.mode === 'lab' ? null : { azs: healthyAzs, instanceTypes: healthyTypes },
    monthlySavingsUsd: savings,
    risk: risk
      ? { score: risk.score, level: risk.level, reasons: risk.reasons }
      : { score: 0, level: 'LOW', reasons: [] },
    engine: risk?.engine === 'typescript' ? 'fallback' : 'onnx',
    modelVersion: risk?.modelVersion ?? 'none',
    commitments: commitments.commitments,
    notWorthIt: notWorthIt ?? null,
    scope,
    // A node group is moved through its Auto Scaling group; without one there is nothing to drive.
    evaluationOnly:
      located.target.mode === 'k8s' && !located.groupName
        ? 'Evaluation only: the node group has no Auto Scaling group the role can see.'
        : null,
  };

  // Only a move worth making is checked further: can it run now, and which path does it take?
  if (!card.notWorthIt && !card.evaluationOnly) card.preflight = await preflightFor(deps, located);

  const proposal = proposalFor(located, chosen, od.pricePerHour);
  const recommendation = await saveEvaluation(deps, located, kind, card, proposal, actor);
  return { recommendation, card: { ...card, recommendationId: recommendation.id } };
}

/** What Approve runs: the lab switch for one instance, the ASG swap for a group. */
function proposalFor(
  located: LocatedTarget,
  chosen: Candidate | undefined,
  odPrice: number,
): { executor: string; params: unknown } {
  // The Spot maximum price is capped at the On-Demand price: Spot never costs more than it saves.
  const maxPrice = odPrice;
  // An EKS node group is never swapped underneath Kubernetes: its nodes are cordoned and drained.
  if (located.target.mode === 'k8s') {
    return {
      executor: 'spot-k8s-replace',
      params: {
        cluster: located.target.cluster,
        nodegroup: located.target.nodegroup,
        groupName: located.groupName,
        instanceType: chosen?.instanceType ?? located.instanceTypes[0],
        maxPrice,
      },
    };
  }
  if (located.target.mode === 'lab') {
    return {
      executor: 'spot-lab-switch',
      params: {
        instanceId: located.instance!.id,
        targetAz: located.instance!.azName,
        instanceType: chosen?.instanceType ?? located.instanceTypes[0],
        maxPrice,
      },
    };
  }
  return {
    executor: 'spot-asg-swap',
    params: {
      groupName: located.groupName,
      instanceType: chosen?.instanceType ?? located.instanceTypes[0],
      maxPrice,
    },
  };
}

/** Every assessment is kept with the model version and engine that produced it, and its features. */
async function recordAssessments(
  deps: Deps,
  region: string,
  candidates: Candidate[],
  snapshots: PoolSnapshot[],
): Promise<void> {
  const rows = candidates.flatMap((c, i) =>
    c.assessment && snapshots[i]
      ? [
          {
            region,
            availabilityZone: c.azId,
            instanceType: c.instanceType,
            score: c.assessment.score,
            level: c.assessment.level,
            modelVersion: c.assessment.modelVersion,
            engine: c.assessment.engine,
            features: Object.fromEntries(
              FEATURE_NAMES.map((n, j) => [n, featureVector(snapshots[i]!)[j] ?? 0]),
            ),
            at: deps.clock.now(),
          },
        ]
      : [],
  );
  if (rows.length) await deps.db.insert(riskAssessments).values(rows);
}

/**
 * One row per target (fingerprint), refreshed by every evaluation. An evaluation never
 * overwrites one whose execution is in flight.
 */
async function saveEvaluation(
  deps: Deps,
  located: LocatedTarget,
  kind: string,
  card: Omit<RecommendationCardInput, 'now'>,
  proposal: { executor: string; params: unknown },
  actor: string,
): Promise<Recommendation> {
  const resourceId = located.instance?.id ?? located.groupName ?? describeTarget(located.target);
  const fp = fingerprint(kind, String(located.account.id), located.region, resourceId);
  const values = {
    fingerprint: fp,
    kind,
    executor: proposal.executor,
    accountId: located.account.id,
    region: located.region,
    resourceId,
    title: `Move ${describeTarget(located.target)} to Spot`,
    params: proposal.params,
    evidence: { card, requestedBy: actor },
    monthlySavingsUsd: card.monthlySavingsUsd,
    riskLevel: card.risk.level,
    riskScore: card.risk.score,
    modelVersion: card.modelVersion,
    status: 'open' as const,
    lastSeenAt: deps.clock.now(),
    updatedAt: deps.clock.now(),
  };
  const [existing] = await deps.db.select().from(recommendations).where(eq(recommendations.fingerprint, fp));
  if (existing && ['approved', 'executing'].includes(existing.status)) {
    throw new UserError(
      `${describeTarget(located.target)} is being moved right now (recommendation #${existing.id}); see its card.`,
    );
  }
  // A new evaluation gets a new card: the old one keeps its history, the row moves on.
  const [row] = await deps.db
    .insert(recommendations)
    .values({ ...values, firstSeenAt: deps.clock.now() })
    .onConflictDoUpdate({
      target: recommendations.fingerprint,
      set: { ...values, slackChannel: null, slackTs: null },
    })
    .returning();
  if (!row) throw new Error(`saving the evaluation of ${resourceId}`);
  await audit(deps, {
    actor,
    event: 'evaluated',
    message: `Evaluated ${describeTarget(located.target)}: ${card.notWorthIt ? 'not worth it' : `$${card.monthlySavingsUsd.toFixed(2)}/month on Spot`}`,
    recommendationId: row.id,
    accountId: located.account.id,
    detail: { modelVersion: card.modelVersion, risk: card.risk.level },
  });
  return row;
}
