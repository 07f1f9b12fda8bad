// Capacity signal AWS gives for free: GetSpotPlacementScores (1..10, per AZ with
// SingleAvailabilityZone) for one instance type, so each pool gets its own score. The API is
// rate-limited per account, so answers are cached (1 hour); when the role may not call it or
// AWS throttles, the feature is *missing* (null), never a made-up number.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ec2Sdk } from '../aws/sdk.js';
import { type Clock, HOUR } from '../lib/clock.js';
import { describeError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';

export const PLACEMENT_PERMISSION = 'ec2:GetSpotPlacementScores';
const TTL_MS = HOUR;

export interface PlacementScores {
  /** AZ ID -> score 1..10. Empty when AWS answered with no per-AZ score. */
  byAzId: Map<string, number>;
  /** Why there are no scores (missing feature), when there are none. */
  error?: string;
}

const cache = new Map<string, { at: number; value: PlacementScores }>();

/** Forgets cached answers (tests; a role change). */
export function clearPlacementCache(): void {
  cache.clear();
}

export async function placementScores(
  deps: { ec2: EC2Client; clock: Clock; log?: Logger; accountKey: string },
  region: string,
  instanceType: string,
  targetCapacity = 1,
): Promise<PlacementScores> {
  const key = `${deps.accountKey}|${region}|${instanceType}|${targetCapacity}`;
  const now = deps.clock.now().getTime();
  const hit = cache.get(key);
  if (hit && now - hit.at < TTL_MS) return hit.value;
  let value: PlacementScores;
  try {
    const res = await deps.ec2.send(
      new ec2Sdk.GetSpotPlacementScoresCommand({
        InstanceTypes: [instanceType],
        TargetCapacity: Math.max(1, targetCapacity),
        TargetCapacityUnitType: 'units',
        SingleAvailabilityZone: true,
        RegionNames: [region],
      }),
    );
    const byAzId = new Map<string, number>();
    for (const s of res.SpotPlacementScores ?? []) {
      if (s.AvailabilityZoneId && typeof s.Score === 'number') byAzId.set(s.AvailabilityZoneId, s.Score);
    }
    value = { byAzId };
  } catch (err) {
    deps.log?.warn(
      { region, instanceType, err: describeError(err) },
      'GetSpotPlacementScores failed; placement score missing',
    );
    value = { byAzId: new Map(), error: `placement score unavailable (${describeError(err)})` };
  }
  cache.set(key, { at: now, value });
  return value;
}
