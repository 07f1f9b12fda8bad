// What a Spot recommendation card shows, as data: the evaluation (spot/evaluate.ts) fills it,
// the card builder (slack/blocks/recommendation-card.ts) renders it, and it is stored with the
// recommendation so the card can be re-rendered at any time. Types only.
import type { RiskLevel } from '../db/schema.js';

export type SpotTarget =
  | { kind: 'instance'; instanceId: string; name?: string | null; instanceType: string }
  | { kind: 'asg'; name: string; instanceTypes: string[]; onDemandCount: number }
  | { kind: 'node-group'; cluster: string; name: string; instanceTypes: string[]; onDemandCount: number };

export interface SpotPoolPrice {
  az: string;
  instanceType: string;
  pricePerHour: number;
  /** Set while the pool is poisoned (an interruption in a production account). */
  poisonedUntil?: Date | null;
}

export interface Commitment {
  kind: 'reserved-instance' | 'savings-plan';
  id: string;
}

export type NotWorthIt =
  | { reason: 'savings-below-threshold'; thresholdUsd: number }
  /** `azs`: the AZs whose pools were considered (lab mode: the instance's own AZ only). */
  | { reason: 'all-pools-poisoned'; azs?: string[]; instanceTypes?: string[] }
  | { reason: 'not-spot-capable'; detail: string }
  | { reason: 'covered-by-commitment'; commitment: Commitment }
  // feat/numbers: no On-Demand price for the region itself (another region's is never used).
  | { reason: 'no-price'; region: string; instanceType: string };

export interface RecommendationCardInput {
  recommendationId: number;
  target: SpotTarget;
  account: { name: string; awsAccountId?: string | null; environment: 'PROD' | 'LAB' };
  region: string;
  onDemand: { pricePerHour: number; source: 'pricing-api' | 'offline'; asOf: Date };
  spotPrices: SpotPoolPrice[];
  /** The pool the lab switch would launch into (single instance). */
  chosen?: { az: string; instanceType: string } | null;
  /** ASG / node group: the pools the replacement spreads over (AZs x instance types). */
  diversification?: { azs: string[]; instanceTypes: string[] } | null;
  monthlySavingsUsd: number;
  risk: { score: number; level: RiskLevel; reasons: string[] };
  engine: 'onnx' | 'fallback';
  modelVersion: string;
  /** feat/numbers: who answered the risk question, in words (model, last good model, or the rule). */
  evaluator?: string | null;
  /** feat/numbers: the pools the move spreads over (price-capacity-optimized), marked in the list. */
  chosenPools?: { az: string; instanceType: string }[] | null;
  /** feat/numbers: one line on how Reserved Instances / Savings Plans reduce the estimate. */
  commitmentOverlap?: string | null;
  /** Commitments that overlap this capacity; shown as a note. */
  commitments?: Commitment[];
  /** Absent = worth it (Approve offered). */
  notWorthIt?: NotWorthIt | null;
  /**
   * Why spotops shows the numbers but cannot make the move itself (e.g. EKS node groups, whose
   * nodes need cordon and drain); Approve and Shadow run are not offered then.
   */
  evaluationOnly?: string | null;
  /** Which AZs' pools were considered: lab mode keeps the instance's subnet, so only its AZ. */
  scope?: { azs: string[]; reason: 'instance-subnet' | 'group-subnets' | 'region' } | null;
  /** What is checked before any change: the path the move takes, and what stops it. */
  preflight?: Preflight | null;
  /** Who may approve; filled when the card is rendered (approvers change). */
  approval?: Approval | null;
  /** A time and priority asked for before approval (`/spot schedule`); filled in at render. */
  scheduled?: { at: Date; priority: string } | null;
  now: Date;
}

/** One reason Approve is not offered, with every object it concerns. */
export interface PreflightRefusal {
  /** Stable key (a readiness reason, an ASG check). */
  code: string;
  title: string;
  objects: string[];
  /** An approver may accept it with a justification (Kubernetes readiness reasons). */
  overridable?: boolean;
}

export interface Preflight {
  /** "Spot clones attached to eks-general (unmanaged; the node group stays ON_DEMAND)". */
  path?: string | null;
  refusals: PreflightRefusal[];
  /** Facts worth knowing that do not stop the move ("lifecycle hooks: 1, honoured"). */
  notes?: string[];
}

export interface Approval {
  /** The risk of the change itself (the executor's rule), which decides the four-eyes rule. */
  risk: RiskLevel;
  /** Slack user ids, or `subteam:<id>` for a user group. */
  approvers: string[];
  requestedBy?: string | null;
  /** Why the context raised the executor's level (engine/approval-risk.ts). */
  raisedBy?: string[];
  /** Distinct approvers the level needs under the account policy, and who approved so far. */
  needed?: number;
  approvedBy?: string[];
  /** Why it waits for a person (e.g. the hourly maximum of automated actions was reached). */
  note?: string | null;
  /** A newer recommendation for the same resource replaced this one. */
  superseded?: boolean;
}
