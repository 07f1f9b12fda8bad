// The RunInstances input of a lab-switch clone, built from everything the original instance is
// (DescribeInstances + DescribeVolumes + DescribeInstanceAttribute userData), after what
// ec2-spot-converter carries over. Volumes travel through the AMI: CreateImage snapshots every
// attached EBS volume, and the clone gets one block device mapping per original volume, with the
// snapshot of that volume (its data lineage), the same device name, size, type, IOPS, throughput
// and DeleteOnTermination; encryption (and its KMS key) comes with the encrypted snapshot. The
// clone's volumes are new volumes (new ids); the original volumes go with the old instance unless
// DeleteOnTermination is false, and those are reported as left behind.
import type {
  BlockDeviceMapping,
  EC2Client,
  Image,
  Instance,
  InstanceNetworkInterfaceSpecification,
  RunInstancesCommandInput,
  Tag,
  Volume,
} from '@aws-sdk/client-ec2';
import { PermissionError } from '../lib/errors.js';
import { isPermissionDenied } from './ec2-lookup.js';
import { ec2Sdk } from './sdk.js';

/** One EBS volume of the original instance and how it is attached. */
export interface SourceVolume {
  volumeId: string;
  deviceName: string;
  root: boolean;
  sizeGiB: number;
  volumeType: string;
  iops?: number;
  throughputMiBps?: number;
  encrypted: boolean;
  kmsKeyId?: string;
  deleteOnTermination: boolean;
}

export interface LaunchSource {
  instance: Instance;
  volumes: SourceVolume[];
  /** Base64, as DescribeInstanceAttribute returns it and RunInstances expects it. */
  userData?: string;
}

export const LAUNCH_SOURCE_PERMISSIONS = ['ec2:DescribeVolumes', 'ec2:DescribeInstanceAttribute'] as const;

async function read<T>(action: string, what: string, send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (isPermissionDenied(err)) throw new PermissionError(action, undefined, { cause: err });
    throw new Error(what, { cause: err });
  }
}

/** Everything the clone copies: the instance, its EBS volumes and its user data. */
export async function describeLaunchSource(ec2: EC2Client, instance: Instance): Promise<LaunchSource> {
  const id = instance.InstanceId ?? '';
  const attached = (instance.BlockDeviceMappings ?? []).filter((m) => m.Ebs?.VolumeId && m.DeviceName);
  const ids = attached.map((m) => m.Ebs?.VolumeId as string);
  const described: Volume[] = ids.length
    ? ((
        await read('ec2:DescribeVolumes', `describing the volumes of ${id}`, () =>
          ec2.send(new ec2Sdk.DescribeVolumesCommand({ VolumeIds: ids })),
        )
      ).Volumes ?? [])
    : [];
  const volumes = attached.map((m): SourceVolume => {
    const volumeId = m.Ebs?.VolumeId as string;
    const v = described.find((d) => d.VolumeId === volumeId);
    if (!v) throw new Error(`describing the volumes of ${id}: ${volumeId} was not returned`);
    return {
      volumeId,
      deviceName: m.DeviceName as string,
      root: m.DeviceName === instance.RootDeviceName,
      sizeGiB: v.Size ?? 0,
      volumeType: v.VolumeType ?? 'gp2',
      iops: v.Iops,
      throughputMiBps: v.Throughput,
      encrypted: v.Encrypted === true,
      kmsKeyId: v.KmsKeyId,
      deleteOnTermination: m.Ebs?.DeleteOnTermination === true,
    };
  });
  const attr = await read('ec2:DescribeInstanceAttribute', `reading the user data of ${id}`, () =>
    ec2.send(new ec2Sdk.DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'userData' })),
  );
  return { instance, volumes, userData: attr.UserData?.Value || undefined };
}

/** IOPS are provisioned on these types only; throughput on gp3 only. */
const HAS_IOPS = new Set(['io1', 'io2', 'gp3']);

/**
 * The mapping of one volume. With the clone's AMI, the snapshot CreateImage took of this volume
 * (lineage); before the AMI exists (the validation DryRun), a same-sized empty volume stands in.
 */
function mappingOf(v: SourceVolume, image?: Image): BlockDeviceMapping {
  const snapshotId = image?.BlockDeviceMappings?.find((m) => m.DeviceName === v.deviceName)?.Ebs?.SnapshotId;
  return {
    DeviceName: v.deviceName,
    Ebs: {
      ...(snapshotId ? { SnapshotId: snapshotId } : {}),
      VolumeSize: v.sizeGiB,
      VolumeType: v.volumeType as NonNullable<BlockDeviceMapping['Ebs']>['VolumeType'],
      ...(HAS_IOPS.has(v.volumeType) && v.iops ? { Iops: v.iops } : {}),
      ...(v.volumeType === 'gp3' && v.throughputMiBps ? { Throughput: v.throughputMiBps } : {}),
      // A volume from an encrypted snapshot is encrypted with its key; without a snapshot (the
      // DryRun stand-in) the clone asks for the same encryption explicitly.
      ...(!snapshotId && v.encrypted
        ? { Encrypted: true, ...(v.kmsKeyId ? { KmsKeyId: v.kmsKeyId } : {}) }
        : {}),
      DeleteOnTermination: v.deleteOnTermination,
    },
  };
}

/** Every network interface: the primary one in its subnet, secondary ones as new interfaces alike. */
function interfacesOf(instance: Instance): InstanceNetworkInterfaceSpecification[] {
  const enis = [...(instance.NetworkInterfaces ?? [])].sort(
    (a, b) => (a.Attachment?.DeviceIndex ?? 0) - (b.Attachment?.DeviceIndex ?? 0),
  );
  const groups = (g?: { GroupId?: string }[]) => (g ?? []).flatMap((x) => (x.GroupId ? [x.GroupId] : []));
  if (enis.length === 0)
    return [
      {
        DeviceIndex: 0,
        SubnetId: instance.SubnetId,
        Groups: groups(instance.SecurityGroups),
        // Keep a public address when the old one had one (an Elastic IP replaces it later).
        AssociatePublicIpAddress: !!instance.PublicIpAddress,
      },
    ];
  return enis.map((e, i) => ({
    DeviceIndex: e.Attachment?.DeviceIndex ?? i,
    ...(e.Attachment?.NetworkCardIndex ? { NetworkCardIndex: e.Attachment.NetworkCardIndex } : {}),
    SubnetId: e.SubnetId,
    Groups: groups(e.Groups),
    Description: e.Description,
    ...(i === 0 ? { AssociatePublicIpAddress: !!instance.PublicIpAddress } : {}),
    ...(e.InterfaceType === 'efa' ? { InterfaceType: 'efa' } : {}),
  }));
}

export interface CloneSpec {
  instanceType: string;
  /** The clone's AMI (its block device mappings give each volume's snapshot), or the original's for a DryRun. */
  imageId: string;
  image?: Image;
  tags: Tag[];
  market: RunInstancesCommandInput['InstanceMarketOptions'];
}

/** RunInstances input (without DryRun/MinCount/MaxCount) of the clone. */
export function cloneLaunchInput(
  src: LaunchSource,
  spec: CloneSpec,
): Omit<RunInstancesCommandInput, 'DryRun' | 'MinCount' | 'MaxCount'> {
  const i = src.instance;
  const m = i.MetadataOptions;
  const placement = i.Placement;
  const sameType = spec.instanceType === i.InstanceType;
  return {
    ImageId: spec.imageId,
    InstanceType: spec.instanceType as RunInstancesCommandInput['InstanceType'],
    NetworkInterfaces: interfacesOf(i),
    BlockDeviceMappings: src.volumes.map((v) => mappingOf(v, spec.image)),
    IamInstanceProfile: i.IamInstanceProfile?.Arn ? { Arn: i.IamInstanceProfile.Arn } : undefined,
    KeyName: i.KeyName,
    UserData: src.userData,
    EbsOptimized: i.EbsOptimized,
    Monitoring: i.Monitoring?.State === 'enabled' ? { Enabled: true } : undefined,
    // IMDSv2-required stays required: the clone must not be weaker than the original.
    MetadataOptions: m
      ? {
          HttpTokens: m.HttpTokens,
          HttpEndpoint: m.HttpEndpoint,
          HttpPutResponseHopLimit: m.HttpPutResponseHopLimit,
          ...(m.HttpProtocolIpv6 ? { HttpProtocolIpv6: m.HttpProtocolIpv6 } : {}),
          ...(m.InstanceMetadataTags ? { InstanceMetadataTags: m.InstanceMetadataTags } : {}),
        }
      : undefined,
    Placement:
      placement?.GroupName || (placement?.Tenancy && placement.Tenancy !== 'default')
        ? {
            ...(placement.GroupName ? { GroupName: placement.GroupName } : {}),
            ...(placement.PartitionNumber ? { PartitionNumber: placement.PartitionNumber } : {}),
            ...(placement.Tenancy && placement.Tenancy !== 'default' ? { Tenancy: placement.Tenancy } : {}),
          }
        : undefined,
    HibernationOptions: i.HibernationOptions?.Configured ? { Configured: true } : undefined,
    // CPU options only make sense for the same type (core counts differ between types).
    CpuOptions:
      sameType && i.CpuOptions?.CoreCount
        ? { CoreCount: i.CpuOptions.CoreCount, ThreadsPerCore: i.CpuOptions.ThreadsPerCore }
        : undefined,
    InstanceMarketOptions: spec.market,
    TagSpecifications: [
      { ResourceType: 'instance', Tags: spec.tags },
      { ResourceType: 'volume', Tags: spec.tags },
    ],
  };
}

/** Volumes that outlive the old instance (DeleteOnTermination false): reported, never deleted here. */
export function leftBehind(src: LaunchSource): SourceVolume[] {
  return src.volumes.filter((v) => !v.deleteOnTermination);
}
