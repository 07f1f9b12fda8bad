// What a lab switch needs beyond its own steps: the clone's RunInstances input built from the
// whole original instance (aws/launch-spec.ts), the AMI's block device mappings (each volume's
// snapshot), and the thread line for volumes that outlive the old instance, with their cost.
import type { EC2Client, Image } from '@aws-sdk/client-ec2';
import { type LaunchSource, leftBehind } from '../../aws/launch-spec.js';
import { ec2Sdk } from '../../aws/sdk.js';
import { ebsVolumeMonthlyUsd } from '../../pricing/storage.js';

/** The AMI as EC2 describes it once available (its mappings name each volume's snapshot). */
export async function describeImage(ec2: EC2Client, imageId: string): Promise<Image | undefined> {
  const out = await ec2.send(new ec2Sdk.DescribeImagesCommand({ ImageIds: [imageId] }));
  return out.Images?.find((i) => i.ImageId === imageId);
}

/** "vol-data2 (/dev/sdg, 200 GiB gp2, $20.00/month)" for each volume left behind, or []. */
export function leftBehindLines(region: string, src: LaunchSource): string[] {
  return leftBehind(src).map((v) => {
    const cost = ebsVolumeMonthlyUsd(region, {
      volumeType: v.volumeType,
      sizeGiB: v.sizeGiB,
      iops: v.iops,
      throughputMiBps: v.throughputMiBps,
    });
    const price = cost.priced ? `$${cost.monthlyUsd.toFixed(2)}/month` : 'price unknown';
    return `${v.volumeId} (${v.deviceName}, ${v.sizeGiB} GiB ${v.volumeType}, ${price})`;
  });
}

/** The thread's account of what stays behind, and the proposal to delete it. */
export function leftBehindNote(region: string, src: LaunchSource, cloneId: string, imageId: string): string {
  const lines = leftBehindLines(region, src);
  if (lines.length === 0) return '';
  return `Left behind (DeleteOnTermination was false): ${lines.join('; ')}. Its data is on ${cloneId} (restored from AMI ${imageId}); propose deleting it once the clone is checked`;
}
