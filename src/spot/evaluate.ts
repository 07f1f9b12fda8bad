// `/spot evaluate`: price -> eligibility -> poisoned pools -> risk -> decision with reasons.
// The result is a recommendation row (kind spot-lab | spot-asg | spot-k8s) whose evidence holds
// the card's input, so the card can be rendered again after every state change.
import { statSync } from 'node:fs';
import { eq } from 'drizzle-orm';
import { zoneNames } from '../aws/zones.js';
import { type Recommendation, recommendations, riskAssessments } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { supersedeOlder } from '../engine/approval-lifecycle.js';
import { audit } from '../engine/audit.js';
import { DAY } from '../lib/clock.js';
import { UserError } from '../lib/errors.js';
import { fingerprint } from '../lib/ids.js';
import { onDemandPrice } from '../pricing/on-demand.js';
import { monthlySavings } from '../pricing/savings.js';
import { currentSpotPrices, spotPriceSeries } from '../pricing/spot.js';
import { advisorBand } from '../risk/advisor.js';
import { assessPools, evaluatorLabel, type PoolAssessment, UNKNOWN_BAND } from '../risk/assess.js';
import { featureRecord, type PoolSnapshot, priceStats } from '../risk/features.js';
import { activeModel, loadRiskEvaluator, modelFileOf, type RiskEvaluator } from '../risk/models.js';
import { placementScores } from '../risk/placement.js';
import { isPoolPoisoned, poolEventCount, poolInterruptions } from '../risk/pool-poisoning.js';
import type { NotWorthIt, RecommendationCardInput, SpotPoolPrice } from './card-input.js';
import { checkCommitments, commitmentAdjustment } from './commitments.js';
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

let evaluatorCache: { key: string; loaded: RiskEvaluator } | undefined;

/**
 * feat/numbers: the risk evaluator (active model -> last good model -> rule), reloaded when the
 * registry or the model file changes (a deleted or rewritten file is noticed at once).
 */
async function riskEvaluator(deps: Deps): Promise<RiskEvaluator> {
  const record = await activeModel(deps.db);
  let file = 'none';
  if (record) {
    try {
      const st = statSync(modelFileOf(record));
      file = `${st.size}|${st.mtimeMs}`;
    } catch {
      file = 'missing';
    }
  }
  const key = `${record?.version}|${record?.sha256}|${record?.fallback}|${record?.path}|${file}`;
  if (!evaluatorCache || evaluatorCache.key !== key) {
    evaluatorCache = { key, loaded: await loadRiskEvaluator(deps.db, { log: deps.log }) };
  }
  return evaluatorCache.loaded;
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
  // feat/numbers: no price from another region; without this region's price the card says so, no Approve.
  const odPrice = od && od.priceRegion === region ? od : undefined;
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
  // feat/numbers: each candidate type's own On-Demand price (risk feature) and AWS placement scores.
  const odDeps = { db: deps.db, pricing: deps.operator.pricing, clock: deps.clock, logger: deps.log };
  const ownOnDemand = new Map<string, number>();
  const placement = new Map<string, Map<string, number>>();
  for (const type of types) {
    const own = type === baseType ? odPrice : await onDemandPrice(odDeps, region, type);
    if (own && own.priceRegion === region) ownOnDemand.set(type, own.pricePerHour);
    const scores = await placementScores(
      { ec2, clock: deps.clock, log: deps.log, accountKey: String(account.id) },
      region,
      type,
      Math.max(1, located.onDemandCount),
    );
    placement.set(type, scores.byAzId);
  }
  for (const type of types) {
    // A candidate without its own On-Demand price in this region cannot be compared honestly.
    if (type !== baseType && !ownOnDemand.has(type)) continue;
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
  const evaluator = await riskEvaluator(deps);
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
        onDemandPrice: ownOnDemand.get(c.instanceType) ?? 0,
        placementScore: placement.get(c.instanceType)?.get(c.azId) ?? null,
        priceTrend24h: stats.trend24h,
        priceVolatility7d: stats.volatility7d,
        interruptions7d: await poolInterruptions(deps.db, pool, 7, deps.clock),
        interruptions30d: await poolInterruptions(deps.db, pool, 30, deps.clock),
        rebalances7d: await poolEventCount(deps.db, pool, 'rebalance', 7, deps.clock),
        poisoned: c.poisonedUntil !== undefined,
        poisonExpiresAt: c.poisonedUntil ?? null,
      };
    }),
  );
  const assessments = snapshots.length
    ? await assessPools(
        snapshots,
        evaluator.kind === 'model'
          ? { model: evaluator.model, fallback: evaluator.fallback, decide: evaluator.decides }
          : {},
      )
    : [];
  candidates.forEach((c, i) => {
    c.assessment = assessments[i];
  });
  await recordAssessments(
    deps,
    region,
    candidates,
    snapshots.map((s) => ({ ...s, advisorBand: advisorBand(region, s.instanceType) ?? UNKNOWN_BAND })),
  );

  // Decision (feat/numbers): price-capacity-optimized, as AWS allocates: among healthy pools (not
  // poisoned, not HIGH risk), the ones with the best capacity signal (placement score, within one
  // point of the best; unknown counts as middling), then the cheapest of them.
  const healthy = candidates.filter((c) => !c.poisonedUntil && c.assessment?.level !== 'HIGH');
  const usable = candidates.filter((c) => !c.poisonedUntil);
  const capacityOf = (c: Candidate) => placement.get(c.instanceType)?.get(c.azId) ?? 5;
  const pickable = healthy.length ? healthy : usable;
  const bestCapacity = Math.max(...pickable.map(capacityOf));
  const chosenPools = pickable
    .filter((c) => capacityOf(c) >= bestCapacity - 1)
    .sort((a, b) => a.price - b.price);
  const chosen = chosenPools[0];
  const commitments = await checkCommitments(aws, region, baseType, located.azNames, deps.log);
  // feat/numbers: RI size flexibility and Compute Savings Plans reduce the estimate.
  const overlap = commitmentAdjustment(
    commitments,
    located.onDemandCount,
    baseType,
    odPrice?.pricePerHour ?? 0,
  );
  const movable = overlap.movable;
  const savings =
    chosen && odPrice
      ? (1 - overlap.computePlanShare) * monthlySavings(movable, odPrice.pricePerHour, chosen.price)
      : 0;

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
  if (!odPrice) notWorthIt = { reason: 'no-price', region, instanceType: baseType };
  else if (located.blocker) notWorthIt = { reason: 'not-spot-capable', detail: located.blocker };
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
  const healthyAzs = [...new Set(chosenPools.map((c) => c.azName))];
  const healthyTypes = [...new Set(chosenPools.map((c) => c.instanceType))];
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
    onDemand: odPrice
      ? { pricePerHour: odPrice.pricePerHour, source: odPrice.source, asOf: odPrice.asOf }
      : { pricePerHour: 0, source: 'offline', asOf: now },
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
    engine: risk?.engine === 'onnxruntime' ? 'onnx' : 'fallback',
    modelVersion: risk?.modelVersion ?? 'none',
    // feat/numbers: which evaluator answered, and the pools chosen (price-capacity-optimized).
    evaluator: risk ? evaluatorLabel(risk, evaluatorWhy(evaluator)) : null,
    chosenPools:
      located.target.mode === 'lab'
        ? null
        : chosenPools.map((c) => ({ az: c.azName, instanceType: c.instanceType })),
    commitments: commitments.commitments,
    commitmentOverlap: overlap.line,
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

  const proposal = proposalFor(located, chosen, odPrice?.pricePerHour ?? 0);
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

/** Why the evaluator that answered did (for the card's evaluator line). */
function evaluatorWhy(e: RiskEvaluator): string | undefined {
  if (e.kind === 'rule') return 'no risk model could load';
  if (e.replacing) return `standing in for ${e.replacing.version}, which could not load`;
  return e.decides === 'rule' ? 'no labelled history yet' : undefined;
}

/**
 * Every assessment is kept with the model version, the engine that decided, the model's own
 * score and the features (missing ones listed); labels are joined later (risk/labels.ts).
 */
async function recordAssessments(
  deps: Deps,
  region: string,
  candidates: Candidate[],
  snapshots: PoolSnapshot[],
): Promise<void> {
  const rows = candidates.flatMap((c, i) => {
    if (!c.assessment || !snapshots[i]) return [];
    const { values, missing } = featureRecord(snapshots[i]!);
    return [
      {
        region,
        availabilityZone: c.azId,
        instanceType: c.instanceType,
        score: c.assessment.score,
        level: c.assessment.level,
        modelVersion: c.assessment.modelVersion,
        engine: c.assessment.engine,
        modelScore: c.assessment.modelScore,
        features: { ...values, ...Object.fromEntries(missing.map((m) => [`missing:${m}`, 1])) },
        at: deps.clock.now(),
      },
    ];
  });
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
  // Older cards for the same resource stop counting (and approvals of a rewritten plan end).
  await supersedeOlder(deps, row);
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
