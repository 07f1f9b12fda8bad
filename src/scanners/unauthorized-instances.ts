// Scanner (Shadow IT): running instances that carry none of the authorising tags
// (SHADOW_AUTHORIZING_TAGS: `Key=Value` exact, `Key` any value, `prefix/*` any key with that
// prefix). Exempted instances are skipped. The grace period runs from the first scan that saw the
// instance unauthorised (resource_sightings), not from its launch: a newly connected account
// gets the full grace on every old instance.
import type { Instance } from '@aws-sdk/client-ec2';
import { and, eq, gt, isNull, or } from 'drizzle-orm';
import { PAGE_SIZE, pageItems, tagMap } from '../aws/paginate.js';
import { ec2Sdk } from '../aws/sdk.js';
import { authorizingTags } from '../config.js';
import { exemptions } from '../db/schema.js';
import { HOUR } from '../lib/clock.js';
import { completeInventory, recordInventoryPage } from './inventory.js';
import { sightingsRecorder } from './sightings.js';
import { defineScanner, type Finding, type ScanContext } from './types.js';

export type TagRule = { key: string; value?: string };

/** True when `tags` satisfy `rule`. */
export function matchesTagRule(tags: Record<string, string>, rule: TagRule): boolean {
  const keys = rule.key.endsWith('/*')
    ? Object.keys(tags).filter((k) => k.startsWith(rule.key.slice(0, -1)))
    : rule.key in tags
      ? [rule.key]
      : [];
  return keys.some((k) => rule.value === undefined || tags[k] === rule.value);
}

export const ruleText = (rule: TagRule): string =>
  rule.value === undefined ? rule.key : `${rule.key}=${rule.value}`;

/** Who launched it, as far as tags tell: `aws:createdBy`, else an Owner/owner tag. */
function launchedBy(tags: Record<string, string>): {
  launchedBy: string | null;
  launchedByTag: string | null;
} {
  for (const key of ['aws:createdBy', 'Owner', 'owner']) {
    if (tags[key]) return { launchedBy: tags[key], launchedByTag: key };
  }
  return { launchedBy: null, launchedByTag: null };
}

export const unauthorizedInstances = defineScanner({
  kind: 'unauthorized-instances',
  permissions: ['ec2:DescribeInstances'],
  async *pages(ctx: ScanContext): AsyncGenerator<Finding[]> {
    const { account, region, config } = ctx;
    const rules = authorizingTags(config);
    const now = ctx.clock.now();
    const exempt = new Set(
      (
        await ctx.db
          .select({ resourceId: exemptions.resourceId })
          .from(exemptions)
          .where(
            and(
              eq(exemptions.accountId, account.id),
              eq(exemptions.region, region),
              or(isNull(exemptions.expiresAt), gt(exemptions.expiresAt, now)),
            ),
          )
      ).map((r) => r.resourceId),
    );
    const isAuthorized = (i: Instance) => rules.some((rule) => matchesTagRule(tagMap(i.Tags), rule));
    const scope = { accountId: account.id, region };
    const sightings = sightingsRecorder(ctx.db, { ...scope, condition: 'unauthorized' }, now);
    const listing = pageItems(
      ec2Sdk.paginateDescribeInstances(
        { client: ctx.aws.ec2(region), pageSize: PAGE_SIZE.DescribeInstances },
        { Filters: [{ Name: 'instance-state-name', Values: ['running'] }] },
      ),
      (p) => p.Reservations?.flatMap((r) => r.Instances ?? []),
      `describing instances in ${region}`,
    );
    for await (const page of listing) {
      await recordInventoryPage(ctx.db, scope, page, isAuthorized, now);
      const unauthorized = page.filter(
        (i): i is Instance & { InstanceId: string } =>
          !!i.InstanceId && i.State?.Name === 'running' && !exempt.has(i.InstanceId) && !isAuthorized(i),
      );
      const firstSeen = await sightings.page(unauthorized.map((i) => i.InstanceId));
      yield findingsOf(ctx, rules, unauthorized, firstSeen, now);
    }
    await completeInventory(ctx.db, scope, now);
    await sightings.complete();
  },
});

function findingsOf(
  ctx: ScanContext,
  rules: readonly TagRule[],
  unauthorized: readonly (Instance & { InstanceId: string })[],
  firstSeen: Map<string, Date>,
  now: Date,
): Finding[] {
  const { account, region, config } = ctx;
  return unauthorized.map((i): Finding => {
    const tags = tagMap(i.Tags);
    const seen = firstSeen.get(i.InstanceId) ?? now;
    const dueAt = new Date(seen.getTime() + config.SHADOW_GRACE_HOURS * HOUR);
    const who = launchedBy(tags);
    const type = i.InstanceType ?? 'unknown type';
    const az = i.Placement?.AvailabilityZone ?? null;
    return {
      scanner: 'unauthorized-instances',
      accountId: account.id,
      region,
      resourceId: i.InstanceId,
      title: `Instance ${i.InstanceId} (${type}${az ? `, ${az}` : ''}) runs without an authorising tag${who.launchedBy ? `; launched by ${who.launchedBy}` : ''}`,
      evidence: {
        instanceId: i.InstanceId,
        name: tags.Name ?? null,
        instanceType: i.InstanceType ?? null,
        availabilityZone: az,
        lifecycle: i.InstanceLifecycle ?? 'on-demand',
        launchTime: i.LaunchTime?.toISOString() ?? null,
        ...who,
        missingTags: rules.map(ruleText),
        tags,
        firstSeenUnauthorizedAt: seen.toISOString(),
        graceHours: config.SHADOW_GRACE_HOURS,
        dueAt: dueAt.toISOString(),
      },
      // Governance, not savings: the instance's cost is not claimed as waste.
      monthlySavingsUsd: 0,
      riskLevel: 'HIGH', // terminating someone's running machine
      dueAt,
      proposal: {
        executor: 'terminate-instance',
        params: { instanceId: i.InstanceId, requireUnauthorized: true },
      },
    };
  });
}
