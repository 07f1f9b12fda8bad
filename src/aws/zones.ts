// Availability Zone names are per-account aliases (us-east-1a in one account can be another
// physical zone in the next); AZ IDs (use1-az1) are the same everywhere. Pools shared across
// accounts (poisoning, prices) are keyed by AZ ID; names are only for showing people.
import type { EC2Client } from '@aws-sdk/client-ec2';
import { ec2Sdk } from './sdk.js';

const cache = new WeakMap<EC2Client, Promise<Map<string, string>>>();

/** AZ name -> AZ ID, as this client's account sees its region; asked once per client. */
export function zoneIds(ec2: EC2Client): Promise<Map<string, string>> {
  let pending = cache.get(ec2);
  if (!pending) {
    pending = Promise.resolve()
      .then(() => ec2.send(new ec2Sdk.DescribeAvailabilityZonesCommand({ AllAvailabilityZones: false })))
      .then(
        (out) =>
          new Map(
            (out?.AvailabilityZones ?? []).flatMap((z) =>
              z.ZoneName && z.ZoneId ? [[z.ZoneName, z.ZoneId]] : [],
            ),
          ),
      )
      .catch((cause) => {
        cache.delete(ec2);
        throw new Error('describing availability zones', { cause });
      });
    cache.set(ec2, pending);
  }
  return pending;
}

/** The AZ ID of a zone name in this account, or the name itself when AWS does not know it. */
export async function azIdOf(ec2: EC2Client, name: string): Promise<string> {
  return (await zoneIds(ec2)).get(name) ?? name;
}

/** AZ ID -> AZ name in this account (for cards). */
export async function zoneNames(ec2: EC2Client): Promise<Map<string, string>> {
  return new Map([...(await zoneIds(ec2))].map(([name, id]) => [id, name]));
}

export const isAzId = (az: string): boolean => /^[a-z]+\d+(-[a-z]+\d*)*-az\d+$/.test(az);
