// What the sandbox accounts hold at first start: something for every capability to find.
// `sandbox` (LAB): unassociated Elastic IPs, old unattached volumes, unused snapshots, untagged
// (Shadow IT) instances, On-Demand instances, an Auto Scaling group and an EKS node group worth
// moving to Spot. `sandbox-prod` (PROD): On-Demand and Spot instances, so an interruption warning
// poisons a pool and raises the alert.
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { Instance, Tag } from '@aws-sdk/client-ec2';
import { zonesOf } from './simulator.js';
import { emptyRegion, type RegionState, type World } from './world.js';

export const SANDBOX_REGION = 'us-east-1';
export const OPERATOR_ACCOUNT = '111100000000';
export const SANDBOX_ACCOUNTS = [
  { name: 'sandbox', awsAccountId: '111100001111', environment: 'LAB' },
  { name: 'sandbox-prod', awsAccountId: '111100002222', environment: 'PROD' },
] as const;

/** Instance ids used by the console's hints, the README and the tests. */
export const SEEDED = {
  labWeb: 'i-0a5b0000000000001',
  labBatch: 'i-0a5b0000000000002',
  shadowJupyter: 'i-0a5b0000000000003',
  shadowScratch: 'i-0a5b0000000000004',
  prodApi: 'i-0b5b0000000000001',
  prodSpotWorker: 'i-0b5b0000000000002',
  asg: 'web-asg',
  cluster: 'lab-cluster',
  nodegroup: 'general',
} as const;

const DAY_MS = 86_400_000;
const MANAGED: Tag = { Key: 'ManagedBy', Value: 'SpotOptimizer' };

function hex(prefix: string, account: string, n: number): string {
  return `${prefix}-0${account === SANDBOX_ACCOUNTS[0].awsAccountId ? 'a' : 'b'}5b${n.toString(16).padStart(13, '0')}`;
}

interface Builder {
  account: string;
  state: RegionState;
  now: Date;
  n: number;
}

function instance(
  b: Builder,
  o: {
    id?: string;
    type: string;
    zone: number;
    tags: Tag[];
    spot?: boolean;
    ageDays: number;
    publicIp?: string;
  },
): Instance {
  b.n += 1;
  const id = o.id ?? hex('i', b.account, 0x100 + b.n);
  const zone = zonesOf(SANDBOX_REGION)[o.zone]!;
  const subnet = b.state.subnets[o.zone]!;
  const volumeId = hex('vol', b.account, 0x100 + b.n);
  const launched = new Date(b.now.getTime() - o.ageDays * DAY_MS);
  const inst: Instance = {
    InstanceId: id,
    ImageId: hex('ami', b.account, 1),
    InstanceType: o.type as Instance['InstanceType'],
    State: { Code: 16, Name: 'running' },
    LaunchTime: launched,
    Placement: { AvailabilityZone: zone.name, AvailabilityZoneId: zone.id, Tenancy: 'default' },
    SubnetId: subnet.SubnetId,
    VpcId: subnet.VpcId,
    PrivateIpAddress: `10.0.${o.zone}.${10 + b.n}`,
    ...(o.publicIp ? { PublicIpAddress: o.publicIp } : {}),
    SecurityGroups: [{ GroupId: hex('sg', b.account, 1), GroupName: 'default' }],
    KeyName: 'sandbox-key',
    RootDeviceType: 'ebs',
    RootDeviceName: '/dev/xvda',
    Architecture: 'x86_64',
    Hypervisor: 'xen',
    VirtualizationType: 'hvm',
    EbsOptimized: true,
    MetadataOptions: {
      HttpTokens: 'required',
      HttpEndpoint: 'enabled',
      HttpPutResponseHopLimit: 2,
      State: 'applied',
    },
    Monitoring: { State: 'disabled' },
    BlockDeviceMappings: [
      {
        DeviceName: '/dev/xvda',
        Ebs: { VolumeId: volumeId, Status: 'attached', AttachTime: launched, DeleteOnTermination: true },
      },
    ],
    ...(o.spot ? { InstanceLifecycle: 'spot', SpotInstanceRequestId: hex('sir', b.account, b.n) } : {}),
    Tags: o.tags,
  };
  b.state.instances.push(inst);
  b.state.volumes.push({
    VolumeId: volumeId,
    Size: 30,
    VolumeType: 'gp3',
    State: 'in-use',
    AvailabilityZone: zone.name,
    CreateTime: launched,
    Encrypted: true,
    Attachments: [
      {
        InstanceId: id,
        Device: '/dev/xvda',
        State: 'attached',
        AttachTime: launched,
        VolumeId: volumeId,
        DeleteOnTermination: true,
      },
    ],
    Tags: [],
  });
  return inst;
}

function baseRegion(b: Builder): void {
  const vpc = hex('vpc', b.account, 1);
  b.state.subnets = zonesOf(SANDBOX_REGION).map((z, i) => ({
    SubnetId: hex('subnet', b.account, i + 1),
    VpcId: vpc,
    AvailabilityZone: z.name,
    AvailabilityZoneId: z.id,
    CidrBlock: `10.0.${i}.0/24`,
    AvailableIpAddressCount: 240,
    State: 'available',
    MapPublicIpOnLaunch: false,
  }));
  const baseSnap = hex('snap', b.account, 1);
  b.state.snapshots.push({
    SnapshotId: baseSnap,
    VolumeSize: 30,
    State: 'completed',
    Progress: '100%',
    StartTime: new Date(b.now.getTime() - 200 * DAY_MS),
    OwnerId: b.account,
    Description: 'Created by CreateImage for the base AMI',
    Encrypted: true,
    StorageTier: 'standard',
    Tags: [],
  });
  b.state.images.push({
    ImageId: hex('ami', b.account, 1),
    Name: 'sandbox-base-al2023',
    State: 'available',
    OwnerId: b.account,
    CreationDate: new Date(b.now.getTime() - 200 * DAY_MS).toISOString(),
    Architecture: 'x86_64',
    RootDeviceType: 'ebs',
    RootDeviceName: '/dev/xvda',
    VirtualizationType: 'hvm',
    BlockDeviceMappings: [
      { DeviceName: '/dev/xvda', Ebs: { SnapshotId: baseSnap, VolumeSize: 30, VolumeType: 'gp3' } },
    ],
    Tags: [],
  });
}

function address(b: Builder, n: number, ip: string, instance?: Instance): void {
  b.state.addresses.push({
    AllocationId: hex('eipalloc', b.account, n),
    PublicIp: ip,
    Domain: 'vpc',
    NetworkBorderGroup: SANDBOX_REGION,
    PublicIpv4Pool: 'amazon',
    Tags: [{ Key: 'Name', Value: instance ? 'web' : `left-over-${n}` }],
    ...(instance
      ? {
          InstanceId: instance.InstanceId,
          AssociationId: hex('eipassoc', b.account, n),
          PrivateIpAddress: instance.PrivateIpAddress,
          NetworkInterfaceId: hex('eni', b.account, n),
        }
      : {}),
  });
}

function group(b: Builder, name: string, type: string, count: number, extraTags: Tag[]): AutoScalingGroup {
  const ltId = hex('lt', b.account, b.state.launchTemplates.length + 1);
  b.state.launchTemplates.push({
    template: {
      LaunchTemplateId: ltId,
      LaunchTemplateName: `${name}-lt`,
      CreateTime: new Date(b.now.getTime() - 90 * DAY_MS),
      DefaultVersionNumber: 1,
      LatestVersionNumber: 1,
    },
    versions: [
      {
        LaunchTemplateId: ltId,
        LaunchTemplateName: `${name}-lt`,
        VersionNumber: 1,
        DefaultVersion: true,
        CreateTime: new Date(b.now.getTime() - 90 * DAY_MS),
        LaunchTemplateData: {
          ImageId: hex('ami', b.account, 1),
          InstanceType: type as never,
          SecurityGroupIds: [hex('sg', b.account, 1)],
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 30, VolumeType: 'gp3' } }],
        },
      },
    ],
  });
  const tags = [{ Key: 'aws:autoscaling:groupName', Value: name }, ...extraTags];
  const members = Array.from({ length: count }, (_, i) =>
    instance(b, { type, zone: i % 3, tags, ageDays: 20 }),
  );
  const g: AutoScalingGroup = {
    AutoScalingGroupName: name,
    AutoScalingGroupARN: `arn:aws:autoscaling:${SANDBOX_REGION}:${b.account}:autoScalingGroup:00000000-0000-4000-8000-00000000000${b.state.groups.length + 1}:autoScalingGroupName/${name}`,
    LaunchTemplate: { LaunchTemplateId: ltId, LaunchTemplateName: `${name}-lt`, Version: '$Default' },
    MinSize: count,
    MaxSize: count + 2,
    DesiredCapacity: count,
    DefaultCooldown: 300,
    AvailabilityZones: zonesOf(SANDBOX_REGION).map((z) => z.name),
    HealthCheckType: 'EC2',
    HealthCheckGracePeriod: 300,
    CreatedTime: new Date(b.now.getTime() - 90 * DAY_MS),
    VPCZoneIdentifier: b.state.subnets.map((s) => s.SubnetId).join(','),
    TerminationPolicies: ['Default'],
    NewInstancesProtectedFromScaleIn: false,
    CapacityRebalance: false,
    Instances: members.map((m) => ({
      InstanceId: m.InstanceId,
      InstanceType: m.InstanceType,
      AvailabilityZone: m.Placement?.AvailabilityZone,
      LifecycleState: 'InService',
      HealthStatus: 'Healthy',
      LaunchTemplate: { LaunchTemplateId: ltId, LaunchTemplateName: `${name}-lt`, Version: '1' },
      ProtectedFromScaleIn: false,
    })),
    Tags: tags
      .filter((t) => !t.Key?.startsWith('aws:'))
      .map((t) => ({
        Key: t.Key,
        Value: t.Value,
        ResourceId: name,
        ResourceType: 'auto-scaling-group',
        PropagateAtLaunch: true,
      })),
  };
  b.state.groups.push(g);
  return g;
}

function labAccount(now: Date): RegionState {
  const b: Builder = { account: SANDBOX_ACCOUNTS[0].awsAccountId, state: emptyRegion(), now, n: 0 };
  baseRegion(b);
  const web = instance(b, {
    id: SEEDED.labWeb,
    type: 'm5.large',
    zone: 0,
    tags: [{ Key: 'Name', Value: 'web-lab' }, MANAGED],
    ageDays: 60,
    publicIp: '198.51.100.10',
  });
  instance(b, {
    id: SEEDED.labBatch,
    type: 'c5.xlarge',
    zone: 1,
    tags: [{ Key: 'Name', Value: 'batch-worker' }, MANAGED],
    ageDays: 45,
  });
  instance(b, {
    id: SEEDED.shadowJupyter,
    type: 't3.large',
    zone: 0,
    tags: [{ Key: 'Name', Value: 'jupyter-experiment' }],
    ageDays: 3,
  });
  instance(b, { id: SEEDED.shadowScratch, type: 'm5.xlarge', zone: 2, tags: [], ageDays: 1 });
  address(b, 1, '198.51.100.10', web);
  address(b, 2, '198.51.100.21');
  address(b, 3, '198.51.100.22');
  for (const [n, size, type, days] of [
    [1, 100, 'gp2', 40],
    [2, 500, 'gp3', 75],
  ] as const) {
    b.state.volumes.push({
      VolumeId: hex('vol', b.account, n),
      Size: size,
      VolumeType: type,
      State: 'available',
      AvailabilityZone: zonesOf(SANDBOX_REGION)[n - 1]!.name,
      CreateTime: new Date(now.getTime() - days * DAY_MS),
      Encrypted: true,
      Attachments: [],
      Tags: [{ Key: 'Name', Value: `old-data-${n}` }],
    });
  }
  for (const [n, size, days] of [
    [2, 80, 120],
    [3, 250, 400],
  ] as const) {
    b.state.snapshots.push({
      SnapshotId: hex('snap', b.account, n),
      VolumeSize: size,
      State: 'completed',
      Progress: '100%',
      StartTime: new Date(now.getTime() - days * DAY_MS),
      OwnerId: b.account,
      Description: `nightly backup ${n}`,
      Encrypted: true,
      StorageTier: 'standard',
      Tags: [],
    });
  }
  group(b, SEEDED.asg, 'm5.large', 2, [{ Key: 'Name', Value: 'web-asg' }]);
  const nodeTags = [
    { Key: 'eks:cluster-name', Value: SEEDED.cluster },
    { Key: 'eks:nodegroup-name', Value: SEEDED.nodegroup },
    { Key: `kubernetes.io/cluster/${SEEDED.cluster}`, Value: 'owned' },
  ];
  const nodeAsg = group(b, `eks-${SEEDED.nodegroup}-sandbox`, 'm5.xlarge', 2, nodeTags);
  b.state.clusters.push({
    cluster: {
      name: SEEDED.cluster,
      arn: `arn:aws:eks:${SANDBOX_REGION}:${b.account}:cluster/${SEEDED.cluster}`,
      createdAt: new Date(now.getTime() - 120 * DAY_MS),
      version: '1.31',
      endpoint: 'https://SANDBOX.gr7.us-east-1.eks.amazonaws.com',
      roleArn: `arn:aws:iam::${b.account}:role/eks-cluster`,
      status: 'ACTIVE',
      certificateAuthority: { data: Buffer.from('sandbox-ca').toString('base64') },
      platformVersion: 'eks.10',
    },
    nodegroups: [
      {
        nodegroupName: SEEDED.nodegroup,
        nodegroupArn: `arn:aws:eks:${SANDBOX_REGION}:${b.account}:nodegroup/${SEEDED.cluster}/${SEEDED.nodegroup}/sandbox`,
        clusterName: SEEDED.cluster,
        version: '1.31',
        status: 'ACTIVE',
        capacityType: 'ON_DEMAND',
        instanceTypes: ['m5.xlarge'],
        scalingConfig: { minSize: 2, maxSize: 4, desiredSize: 2 },
        subnets: b.state.subnets.map((s) => s.SubnetId!),
        amiType: 'AL2023_x86_64_STANDARD',
        nodeRole: `arn:aws:iam::${b.account}:role/eks-node`,
        resources: { autoScalingGroups: [{ name: nodeAsg.AutoScalingGroupName }] },
        createdAt: new Date(now.getTime() - 120 * DAY_MS),
        modifiedAt: new Date(now.getTime() - 10 * DAY_MS),
      },
    ],
  });
  return b.state;
}

function prodAccount(now: Date): RegionState {
  const b: Builder = { account: SANDBOX_ACCOUNTS[1].awsAccountId, state: emptyRegion(), now, n: 0 };
  baseRegion(b);
  instance(b, {
    id: SEEDED.prodApi,
    type: 'm5.large',
    zone: 0,
    tags: [{ Key: 'Name', Value: 'api' }, MANAGED],
    ageDays: 120,
  });
  instance(b, {
    id: SEEDED.prodSpotWorker,
    type: 'm5.large',
    zone: 1,
    spot: true,
    tags: [{ Key: 'Name', Value: 'queue-worker' }, MANAGED],
    ageDays: 5,
  });
  address(b, 1, '203.0.113.40');
  return b.state;
}

export function seedWorld(now: Date): World {
  const [lab, prod] = SANDBOX_ACCOUNTS;
  return {
    version: 1,
    seq: 0x1000,
    accounts: {
      [OPERATOR_ACCOUNT]: { awsAccountId: OPERATOR_ACCOUNT, name: 'operator', regions: {} },
      [lab.awsAccountId]: {
        awsAccountId: lab.awsAccountId,
        name: lab.name,
        regions: { [SANDBOX_REGION]: labAccount(now) },
      },
      [prod.awsAccountId]: {
        awsAccountId: prod.awsAccountId,
        name: prod.name,
        regions: { [SANDBOX_REGION]: prodAccount(now) },
      },
    },
  };
}
