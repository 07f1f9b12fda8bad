// Scanner: Elastic IPs associated with nothing. An address is idle only when it has no
// AssociationId: one attached to a bare network interface (no instance) is in use.
import { tagMap } from '../aws/paginate.js';
import { ec2Sdk } from '../aws/sdk.js';
import { elasticIpMonthlyUsd } from '../pricing/storage.js';
import { defineScanner, type Finding, type ScanContext } from './types.js';

export const unassociatedElasticIps = defineScanner({
  kind: 'unassociated-elastic-ips',
  permissions: ['ec2:DescribeAddresses'],
  async *pages(ctx: ScanContext): AsyncGenerator<Finding[]> {
    const { account, region } = ctx;
    // DescribeAddresses is not paginated: one call returns every address of the region.
    const out = await ctx.aws
      .ec2(region)
      .send(new ec2Sdk.DescribeAddressesCommand({}))
      .catch((cause: unknown) => {
        throw new Error(`describing Elastic IPs in ${region}`, { cause });
      });
    const monthly = elasticIpMonthlyUsd(region);
    const findings: Finding[] = [];
    for (const a of out.Addresses ?? []) {
      // No AllocationId = EC2-Classic address, no PublicIp = customer-owned (Outposts) address;
      // ServiceManaged = owned by a load balancer or NAT, not ours to release.
      if (a.AssociationId || !a.AllocationId || !a.PublicIp || a.ServiceManaged) continue;
      const tags = tagMap(a.Tags);
      findings.push({
        scanner: 'unassociated-elastic-ips',
        accountId: account.id,
        region,
        resourceId: a.AllocationId,
        title: `Elastic IP ${a.PublicIp} is not associated with anything`,
        evidence: {
          allocationId: a.AllocationId,
          publicIp: a.PublicIp,
          domain: a.Domain ?? null,
          networkBorderGroup: a.NetworkBorderGroup ?? null,
          name: tags.Name ?? null,
          tags,
          pricing: `$${monthly.toFixed(2)}/month: public IPv4 list price x 730 h`,
        },
        monthlySavingsUsd: monthly,
        riskLevel: 'MEDIUM', // a released address may never come back, and allow-lists may name it
        proposal: {
          executor: 'release-elastic-ip',
          params: { allocationId: a.AllocationId, publicIp: a.PublicIp },
        },
      });
    }
    yield findings;
  },
});
