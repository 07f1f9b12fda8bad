// The schedule: every recurring job, its cron expression (from configuration) and what it runs.
import type { Config } from '../config.js';
import { enforceGracePeriods } from '../engine/shadow-it.js';
import { expirePoisons } from '../risk/pool-poisoning.js';
import { SHADOW_IT_SCANNERS, WASTE_SCANNERS } from '../scanners/index.js';
import { APPROVAL_POLICY_SCHEDULE, runApprovalPolicy } from './approval-policy.js';
import { postDigest } from './digest.js';
import { FALLBACK_RETURN_SCHEDULE, proposeReturnsToSpot } from './fallback-return.js';
import { snapshotLabInstances } from './lab-snapshots.js';
import { MEASURE_SAVINGS_SCHEDULE, measureSavings } from './measure-savings.js';
import { refreshPrices } from './price-refresh.js';
import { scanAndPost } from './scan-and-post.js';
import type { Job } from './scheduler.js';

export function jobs(config: Config, hooks: { kick(): void }): Job[] {
  return [
    {
      name: 'waste-scan',
      schedule: config.CRON_WASTE_SCAN,
      run: (deps) => scanAndPost(deps, WASTE_SCANNERS),
    },
    {
      name: 'shadow-scan',
      schedule: config.CRON_SHADOW_SCAN,
      run: (deps) => scanAndPost(deps, SHADOW_IT_SCANNERS),
    },
    {
      name: 'grace-expiry',
      schedule: config.CRON_GRACE_EXPIRY,
      async run(deps) {
        const r = await enforceGracePeriods(deps);
        if (r.queued > 0) hooks.kick();
        return `${r.queued} queued, ${r.notified} notified`;
      },
    },
    {
      name: 'pool-expiry',
      schedule: config.CRON_POOL_EXPIRY,
      async run(deps) {
        const cleared = await expirePoisons(deps.db, deps.clock);
        return `${cleared.length} pools cleared`;
      },
    },
    {
      name: 'fallback-return',
      schedule: FALLBACK_RETURN_SCHEDULE,
      async run(deps) {
        const r = await proposeReturnsToSpot(deps);
        return `${r.proposed} proposed back to Spot, ${r.waiting} waiting for a healthy pool, ${r.failed} failed`;
      },
    },
    {
      name: 'lab-snapshots',
      schedule: config.CRON_LAB_SNAPSHOTS,
      async run(deps) {
        const r = await snapshotLabInstances(deps);
        return `${r.imaged} lab images taken, ${r.pruned} old ones removed, ${r.failed} failed`;
      },
    },
    {
      name: 'approval-policy',
      schedule: APPROVAL_POLICY_SCHEDULE,
      run: (deps) => runApprovalPolicy(deps, () => hooks.kick()),
    },
    { name: 'price-refresh', schedule: config.CRON_PRICE_REFRESH, run: refreshPrices },
    { name: 'measure-savings', schedule: MEASURE_SAVINGS_SCHEDULE, run: measureSavings },
    {
      name: 'digest',
      schedule: config.CRON_DIGEST,
      timezone: config.DIGEST_TIME_ZONE,
      async run(deps) {
        const outcome = await postDigest(deps);
        if (!outcome.posted) return `no digest: ${outcome.reason}`;
        return outcome.chart ? 'digest posted with its chart' : 'digest posted';
      },
    },
  ];
}
