// The simulated AWS accounts: answers the SDK commands spotops sends (EC2, Auto Scaling, EKS, STS,
// Savings Plans) from the World state, with the shapes of the real API (SDK output types; recorded
// samples in test/fixtures). Mutations change the state, so the next scan sees them. Time is
// compressed: anything AWS does asynchronously (an instance starting, an AMI or snapshot being
// made, an instance shutting down) is done by the next Describe call.
import type { AutoScalingGroup } from '@aws-sdk/client-auto-scaling';
import type { Filter, Image, Instance, Snapshot, Tag, Volume } from '@aws-sdk/client-ec2';
import { offlineOnDemandPrice } from '../pricing/on-demand.js';
import { awsError, dryRunOperation } from './errors.js';
import { emptyRegion, type RegionState, type SimAccount, saveWorld, type World } from './world.js';

export type Service = 'ec2' | 'autoscaling' | 'eks' | 'sts' | 'savingsplans' | 'pricing';

type Input = Record<string, any>;
type Handler = (ctx: CallContext, input: Input) => unknown;

export interface CallContext {
  sim: Simulator;
  account: SimAccount;
  region: string;
  state: RegionState;
  now: Date;
  /** STS session name of the caller (spotops-<actor>), for identity answers. */
  session: string;
}

/** One line per mutating call: what the console's AWS panel shows. */
export interface SimEvent {
  at: Date;
  account: string;
  region: string;
  command: string;
  summary: string;
}

const ZONE_SUFFIXES = ['a', 'b', 'c'] as const;
const ZONE_IDS = ['az1', 'az2', 'az4'] as const;

const DIRECTIONS: Record<string, string> = {
  east: 'e',
  west: 'w',
  north: 'n',
  south: 's',
  central: 'c',
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
};

/** Zone names and AZ IDs as AWS spells them (us-east-1a / use1-az1). */
export function zonesOf(region: string): { name: string; id: string }[] {
  const [area = '', direction = '', n = ''] = region.split('-');
  const short = `${area}${DIRECTIONS[direction] ?? direction.slice(0, 1)}${n}`;
  return ZONE_SUFFIXES.map((s, i) => ({ name: `${region}${s}`, id: `${short}-${ZONE_IDS[i]}` }));
}

export class Simulator {
  readonly events: SimEvent[] = [];
  readonly #listeners = new Set<(e: SimEvent) => void>();

  constructor(
    readonly world: World,
    private readonly opts: { now?: () => Date; savePath?: string } = {},
  ) {}

  now(): Date {
    return this.opts.now?.() ?? new Date();
  }

  account(awsAccountId: string): SimAccount {
    const acc = this.world.accounts[awsAccountId];
    if (!acc)
      throw awsError('AuthFailure', `AWS account ${awsAccountId} is not simulated by the sandbox`, 401);
    return acc;
  }

  region(awsAccountId: string, region: string): RegionState {
    const acc = this.account(awsAccountId);
    acc.regions[region] ??= emptyRegion();
    return acc.regions[region];
  }

  onEvent(listener: (e: SimEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A fresh id like AWS's: prefix + 17 hex digits. */
  nextId(prefix: string): string {
    this.world.seq += 1;
    return `${prefix}-0${this.world.seq.toString(16).padStart(16, '5')}`;
  }

  /** Answers one SDK command; throws AWS-shaped errors. */
  handle(
    service: Service,
    command: string,
    input: Input,
    where: { account: string; region: string; session?: string },
  ): unknown {
    const name = command.replace(/Command$/, '');
    const handler = HANDLERS[service][name];
    if (!handler) {
      throw awsError(
        'UnsupportedOperation',
        `The sandbox account does not simulate ${service}:${name}. Connect a real AWS account to try it.`,
      );
    }
    const ctx: CallContext = {
      sim: this,
      account: this.account(where.account),
      region: where.region,
      state: this.region(where.account, where.region),
      now: this.now(),
      session: where.session ?? 'spotops-system',
    };
    if (service === 'ec2') settle(ctx);
    const out = handler(ctx, input);
    return out;
  }

  /** Records a mutation (after its DryRun check passed) and saves the state. */
  mutated(ctx: CallContext, command: string, summary: string): void {
    const e: SimEvent = { at: ctx.now, account: ctx.account.name, region: ctx.region, command, summary };
    this.events.push(e);
    if (this.events.length > 500) this.events.shift();
    if (this.opts.savePath) saveWorld(this.opts.savePath, this.world);
    for (const l of this.#listeners) l(e);
  }

  /** Every instance of an account (all regions), for the console's interruption control. */
  instancesOf(awsAccountId: string): { region: string; instance: Instance }[] {
    const acc = this.account(awsAccountId);
    return Object.entries(acc.regions).flatMap(([region, s]) =>
      s.instances.map((instance) => ({ region, instance })),
    );
  }
}

// ---- helpers --------------------------------------------------------------------------------

function dry(input: Input): void {
  if (input.DryRun) throw dryRunOperation();
}

function tagsOf(specs: Input['TagSpecifications'], type: string): Tag[] {
  return ((specs ?? []) as { ResourceType?: string; Tags?: Tag[] }[])
    .filter((s) => s.ResourceType === type)
    .flatMap((s) => s.Tags ?? [])
    .map((t) => ({ Key: t.Key, Value: t.Value }));
}

function tagValue(tags: Tag[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}

/** EC2 filter semantics: every filter must match; any value of a filter may. Unknown filter names match nothing. */
function matches(filters: Filter[] | undefined, field: (name: string) => string[] | undefined): boolean {
  for (const f of filters ?? []) {
    const name = f.Name ?? '';
    const have = field(name);
    if (have === undefined) return false;
    const wanted = f.Values ?? [];
    if (!wanted.some((w) => have.some((h) => globMatch(w, h)))) return false;
  }
  return true;
}

function globMatch(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return re.test(value);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function tagFilter(tags: Tag[] | undefined, name: string): string[] | undefined {
  if (name.startsWith('tag:')) {
    const v = tagValue(tags, name.slice(4));
    return v === undefined ? [] : [v];
  }
  if (name === 'tag-key') return (tags ?? []).map((t) => t.Key ?? '');
  return undefined;
}

function pick<T>(
  items: T[],
  ids: string[] | undefined,
  idOf: (t: T) => string | undefined,
  notFound: string,
): T[] {
  if (!ids?.length) return items;
  const out: T[] = [];
  for (const id of ids) {
    const found = items.find((i) => idOf(i) === id);
    if (!found) throw awsError(notFound, `The ID '${id}' does not exist`);
    out.push(found);
  }
  return out;
}

/** Moves asynchronous work to its end state: compressed time. */
function settle(ctx: CallContext): void {
  const s = ctx.state;
  for (const i of s.instances) {
    const state = i.State?.Name;
    if (state === 'pending') i.State = { Code: 16, Name: 'running' };
    else if (state === 'stopping') i.State = { Code: 80, Name: 'stopped' };
    else if (state === 'shutting-down') i.State = { Code: 48, Name: 'terminated' };
  }
  for (const im of s.images) if (im.State === 'pending') im.State = 'available';
  for (const sn of s.snapshots) {
    if (sn.State === 'pending') {
      sn.State = 'completed';
      sn.Progress = '100%';
    }
  }
  for (const v of s.volumes) if (v.State === 'creating') v.State = 'available';
}

function findInstanceIn(ctx: CallContext, id: string): Instance {
  const i = ctx.state.instances.find((x) => x.InstanceId === id);
  if (!i) throw awsError('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
  return i;
}

function ownerArn(ctx: CallContext): string {
  return `arn:aws:sts::${ctx.account.awsAccountId}:assumed-role/SpotOps-${ctx.account.name}/${ctx.session}`;
}

function instanceField(i: Instance, name: string): string[] | undefined {
  switch (name) {
    case 'instance-state-name':
      return [i.State?.Name ?? ''];
    case 'instance-id':
      return [i.InstanceId ?? ''];
    case 'instance-type':
      return [i.InstanceType ?? ''];
    case 'instance-lifecycle':
      return i.InstanceLifecycle ? [i.InstanceLifecycle] : [];
    case 'availability-zone':
      return [i.Placement?.AvailabilityZone ?? ''];
    case 'subnet-id':
      return [i.SubnetId ?? ''];
    default:
      return tagFilter(i.Tags, name);
  }
}

function applyTags(list: Tag[] | undefined, tags: Tag[]): Tag[] {
  const out = [...(list ?? [])];
  for (const t of tags) {
    const at = out.findIndex((x) => x.Key === t.Key);
    if (at >= 0) out[at] = { Key: t.Key, Value: t.Value ?? '' };
    else out.push({ Key: t.Key, Value: t.Value ?? '' });
  }
  return out;
}

type Taggable = { Tags?: Tag[] };

function taggable(ctx: CallContext, id: string): Taggable {
  const s = ctx.state;
  const all: [string | undefined, Taggable][] = [
    ...s.instances.map((x) => [x.InstanceId, x] as [string | undefined, Taggable]),
    ...s.volumes.map((x) => [x.VolumeId, x] as [string | undefined, Taggable]),
    ...s.snapshots.map((x) => [x.SnapshotId, x] as [string | undefined, Taggable]),
    ...s.images.map((x) => [x.ImageId, x] as [string | undefined, Taggable]),
    ...s.addresses.map((x) => [x.AllocationId, x] as [string | undefined, Taggable]),
  ];
  const hit = all.find(([rid]) => rid === id);
  if (!hit) throw awsError('InvalidID', `The ID '${id}' is not valid`);
  return hit[1];
}

function zoneOfSubnet(ctx: CallContext, subnetId: string | undefined): { name: string; id: string } {
  const subnet = ctx.state.subnets.find((s) => s.SubnetId === subnetId) ?? ctx.state.subnets[0];
  const zones = zonesOf(ctx.region);
  return zones.find((z) => z.name === subnet?.AvailabilityZone) ?? zones[0]!;
}

/** Spot price of a type in a zone: a steady discount on the offline On-Demand price with a small daily wave. */
export function spotPrice(
  region: string,
  instanceType: string,
  zoneIndex: number,
  at: Date,
): number | undefined {
  const od = offlineOnDemandPrice(region, instanceType)?.pricePerHour;
  if (!od) return undefined;
  const base = 0.3 + zoneIndex * 0.04;
  const wave = 0.02 * Math.sin(at.getTime() / 86_400_000 + zoneIndex);
  return Math.round(od * (base + wave) * 10_000) / 10_000;
}

// ---- EC2 ------------------------------------------------------------------------------------

const HOUR_MS = 3_600_000;

const ec2: Record<string, Handler> = {
  DescribeAvailabilityZones(ctx, input) {
    const zones = zonesOf(ctx.region).filter(
      (z) => !input.ZoneNames?.length || input.ZoneNames.includes(z.name),
    );
    return {
      AvailabilityZones: zones.map((z) => ({
        State: 'available',
        OptInStatus: 'opt-in-not-required',
        Messages: [],
        RegionName: ctx.region,
        ZoneName: z.name,
        ZoneId: z.id,
        GroupName: ctx.region,
        NetworkBorderGroup: ctx.region,
        ZoneType: 'availability-zone',
      })),
    };
  },

  DescribeSubnets(ctx, input) {
    return {
      Subnets: pick(ctx.state.subnets, input.SubnetIds, (s) => s.SubnetId, 'InvalidSubnetID.NotFound'),
    };
  },

  DescribeInstances(ctx, input) {
    const picked = pick(
      ctx.state.instances,
      input.InstanceIds,
      (i) => i.InstanceId,
      'InvalidInstanceID.NotFound',
    );
    const found = picked.filter((i) => matches(input.Filters, (n) => instanceField(i, n)));
    return {
      Reservations: found.map((i) => ({
        ReservationId: `r-${i.InstanceId?.slice(2)}`,
        OwnerId: ctx.account.awsAccountId,
        Groups: [],
        Instances: [structuredClone(i)],
      })),
    };
  },

  DescribeInstanceStatus(ctx, input) {
    const picked = pick(
      ctx.state.instances,
      input.InstanceIds,
      (i) => i.InstanceId,
      'InvalidInstanceID.NotFound',
    );
    const shown = picked.filter((i) => input.IncludeAllInstances || i.State?.Name === 'running');
    return {
      InstanceStatuses: shown.map((i) => {
        const ok = i.State?.Name === 'running' ? 'ok' : 'not-applicable';
        return {
          InstanceId: i.InstanceId,
          AvailabilityZone: i.Placement?.AvailabilityZone,
          InstanceState: i.State,
          InstanceStatus: { Status: ok, Details: [{ Name: 'reachability', Status: 'passed' }] },
          SystemStatus: { Status: ok, Details: [{ Name: 'reachability', Status: 'passed' }] },
        };
      }),
    };
  },

  RunInstances(ctx, raw) {
    const input = withLaunchTemplate(ctx, raw);
    const nic = input.NetworkInterfaces?.[0] ?? {};
    const subnetId = nic.SubnetId ?? input.SubnetId ?? ctx.state.subnets[0]?.SubnetId;
    const image = ctx.state.images.find((im) => im.ImageId === input.ImageId);
    if (!image) throw awsError('InvalidAMIID.NotFound', `The image id '[${input.ImageId}]' does not exist`);
    if (!offlineOnDemandPrice(ctx.region, input.InstanceType))
      throw awsError('InvalidParameterValue', `Invalid value '${input.InstanceType}' for InstanceType.`);
    dry(input);
    const zone = zoneOfSubnet(ctx, subnetId);
    const id = ctx.sim.nextId('i');
    const spot = input.InstanceMarketOptions?.MarketType === 'spot';
    const volumeId = ctx.sim.nextId('vol');
    const instance: Instance = {
      InstanceId: id,
      ImageId: input.ImageId,
      InstanceType: input.InstanceType,
      State: { Code: 0, Name: 'pending' },
      LaunchTime: ctx.now,
      Placement: { AvailabilityZone: zone.name, AvailabilityZoneId: zone.id, Tenancy: 'default' },
      SubnetId: subnetId,
      VpcId: ctx.state.subnets.find((s) => s.SubnetId === subnetId)?.VpcId,
      PrivateIpAddress: `10.0.${(ctx.sim.world.seq % 200) + 1}.${(ctx.sim.world.seq % 250) + 2}`,
      SecurityGroups: (nic.Groups ?? input.SecurityGroupIds ?? []).map((g: string) => ({
        GroupId: g,
        GroupName: g,
      })),
      IamInstanceProfile: input.IamInstanceProfile?.Arn
        ? { Arn: input.IamInstanceProfile.Arn, Id: 'AIPASANDBOX' }
        : undefined,
      KeyName: input.KeyName,
      RootDeviceType: 'ebs',
      RootDeviceName: '/dev/xvda',
      Architecture: 'x86_64',
      Hypervisor: 'xen',
      VirtualizationType: 'hvm',
      EbsOptimized: input.EbsOptimized ?? false,
      MetadataOptions: {
        HttpTokens: input.MetadataOptions?.HttpTokens ?? 'required',
        HttpEndpoint: 'enabled',
        State: 'applied',
      },
      Monitoring: { State: input.Monitoring?.Enabled ? 'enabled' : 'disabled' },
      BlockDeviceMappings: [
        {
          DeviceName: '/dev/xvda',
          Ebs: { VolumeId: volumeId, Status: 'attached', AttachTime: ctx.now, DeleteOnTermination: true },
        },
      ],
      ...(spot ? { InstanceLifecycle: 'spot', SpotInstanceRequestId: ctx.sim.nextId('sir') } : {}),
      Tags: tagsOf(input.TagSpecifications, 'instance'),
    };
    ctx.state.instances.push(instance);
    ctx.state.volumes.push({
      VolumeId: volumeId,
      Size: 8,
      VolumeType: 'gp3',
      State: 'in-use',
      AvailabilityZone: zone.name,
      CreateTime: ctx.now,
      Encrypted: true,
      Attachments: [
        {
          InstanceId: id,
          Device: '/dev/xvda',
          State: 'attached',
          AttachTime: ctx.now,
          VolumeId: volumeId,
          DeleteOnTermination: true,
        },
      ],
      Tags: tagsOf(input.TagSpecifications, 'volume'),
    });
    ctx.sim.mutated(
      ctx,
      'RunInstances',
      `launched ${id} (${input.InstanceType}${spot ? ', Spot' : ''}) in ${zone.name}`,
    );
    return {
      ReservationId: `r-${id.slice(2)}`,
      OwnerId: ctx.account.awsAccountId,
      Instances: [structuredClone(instance)],
    };
  },

  TerminateInstances(ctx, input) {
    const targets = (input.InstanceIds as string[]).map((id) => findInstanceIn(ctx, id));
    dry(input);
    const changes = targets.map((i) => {
      const previous = structuredClone(i.State);
      if (i.State?.Name !== 'terminated') i.State = { Code: 32, Name: 'shutting-down' };
      for (const a of ctx.state.addresses) {
        if (a.InstanceId === i.InstanceId) {
          delete a.InstanceId;
          delete a.AssociationId;
          delete a.PrivateIpAddress;
        }
      }
      for (const v of ctx.state.volumes) {
        if (v.Attachments?.some((x) => x.InstanceId === i.InstanceId)) {
          const keep = v.Attachments.some((x) => x.DeleteOnTermination === false);
          v.Attachments = [];
          v.State = keep ? 'available' : 'deleted';
        }
      }
      ctx.state.volumes = ctx.state.volumes.filter((v) => v.State !== 'deleted');
      return { InstanceId: i.InstanceId, PreviousState: previous, CurrentState: i.State };
    });
    ctx.sim.mutated(ctx, 'TerminateInstances', `terminated ${targets.map((i) => i.InstanceId).join(', ')}`);
    return { TerminatingInstances: changes };
  },

  StopInstances(ctx, input) {
    const targets = (input.InstanceIds as string[]).map((id) => findInstanceIn(ctx, id));
    dry(input);
    const changes = targets.map((i) => {
      const previous = structuredClone(i.State);
      i.State = { Code: 64, Name: 'stopping' };
      return { InstanceId: i.InstanceId, PreviousState: previous, CurrentState: i.State };
    });
    ctx.sim.mutated(ctx, 'StopInstances', `stopped ${targets.map((i) => i.InstanceId).join(', ')}`);
    return { StoppingInstances: changes };
  },

  StartInstances(ctx, input) {
    const targets = (input.InstanceIds as string[]).map((id) => findInstanceIn(ctx, id));
    dry(input);
    const changes = targets.map((i) => {
      const previous = structuredClone(i.State);
      i.State = { Code: 0, Name: 'pending' };
      return { InstanceId: i.InstanceId, PreviousState: previous, CurrentState: i.State };
    });
    ctx.sim.mutated(ctx, 'StartInstances', `started ${targets.map((i) => i.InstanceId).join(', ')}`);
    return { StartingInstances: changes };
  },

  DescribeInstanceAttribute(ctx, input) {
    const i = findInstanceIn(ctx, input.InstanceId);
    if (input.Attribute === 'instanceType')
      return { InstanceId: i.InstanceId, InstanceType: { Value: i.InstanceType } };
    if (input.Attribute === 'disableApiTermination')
      return { InstanceId: i.InstanceId, DisableApiTermination: { Value: false } };
    if (input.Attribute === 'disableApiStop')
      return { InstanceId: i.InstanceId, DisableApiStop: { Value: false } };
    return { InstanceId: i.InstanceId };
  },

  ModifyInstanceAttribute(ctx, input) {
    const i = findInstanceIn(ctx, input.InstanceId);
    dry(input);
    const type = input.InstanceType?.Value;
    if (type) {
      if (i.State?.Name !== 'stopped')
        throw awsError(
          'IncorrectInstanceState',
          `The instance '${i.InstanceId}' is not in the 'stopped' state.`,
        );
      i.InstanceType = type;
      ctx.sim.mutated(ctx, 'ModifyInstanceAttribute', `resized ${i.InstanceId} to ${type}`);
    }
    return {};
  },

  DescribeAddresses(ctx, input) {
    let list = pick(
      ctx.state.addresses,
      input.AllocationIds,
      (a) => a.AllocationId,
      'InvalidAllocationID.NotFound',
    );
    if (input.PublicIps?.length) list = list.filter((a) => input.PublicIps.includes(a.PublicIp));
    list = list.filter((a) =>
      matches(input.Filters, (n) =>
        n === 'instance-id'
          ? a.InstanceId
            ? [a.InstanceId]
            : []
          : n === 'allocation-id'
            ? [a.AllocationId ?? '']
            : n === 'public-ip'
              ? [a.PublicIp ?? '']
              : n === 'domain'
                ? ['vpc']
                : tagFilter(a.Tags, n),
      ),
    );
    return { Addresses: structuredClone(list) };
  },

  ReleaseAddress(ctx, input) {
    const a = ctx.state.addresses.find((x) => x.AllocationId === input.AllocationId);
    if (!a)
      throw awsError(
        'InvalidAllocationID.NotFound',
        `The allocation ID '${input.AllocationId}' does not exist`,
      );
    if (a.AssociationId) throw awsError('InvalidIPAddress.InUse', `Address ${a.PublicIp} is in use.`);
    dry(input);
    ctx.state.addresses = ctx.state.addresses.filter((x) => x !== a);
    ctx.sim.mutated(ctx, 'ReleaseAddress', `released ${a.PublicIp} (${a.AllocationId})`);
    return {};
  },

  AssociateAddress(ctx, input) {
    const a = ctx.state.addresses.find((x) => x.AllocationId === input.AllocationId);
    if (!a)
      throw awsError(
        'InvalidAllocationID.NotFound',
        `The allocation ID '${input.AllocationId}' does not exist`,
      );
    const i = findInstanceIn(ctx, input.InstanceId);
    if (a.AssociationId && !input.AllowReassociation)
      throw awsError('Resource.AlreadyAssociated', `${a.PublicIp} is already associated`);
    dry(input);
    a.InstanceId = i.InstanceId;
    a.AssociationId = ctx.sim.nextId('eipassoc');
    a.PrivateIpAddress = i.PrivateIpAddress;
    a.NetworkInterfaceId = ctx.sim.nextId('eni');
    i.PublicIpAddress = a.PublicIp;
    ctx.sim.mutated(ctx, 'AssociateAddress', `moved ${a.PublicIp} to ${i.InstanceId}`);
    return { AssociationId: a.AssociationId };
  },

  DescribeVolumes(ctx, input) {
    const list = pick(ctx.state.volumes, input.VolumeIds, (v) => v.VolumeId, 'InvalidVolume.NotFound').filter(
      (v) =>
        matches(input.Filters, (n) =>
          n === 'status'
            ? [v.State ?? '']
            : n === 'attachment.instance-id'
              ? (v.Attachments ?? []).map((x) => x.InstanceId ?? '')
              : n === 'volume-id'
                ? [v.VolumeId ?? '']
                : tagFilter(v.Tags, n),
        ),
    );
    return { Volumes: structuredClone(list) };
  },

  DeleteVolume(ctx, input) {
    const v = ctx.state.volumes.find((x) => x.VolumeId === input.VolumeId);
    if (!v) throw awsError('InvalidVolume.NotFound', `The volume '${input.VolumeId}' does not exist.`);
    if (v.State !== 'available') throw awsError('VolumeInUse', `Volume ${v.VolumeId} is currently attached.`);
    dry(input);
    ctx.state.volumes = ctx.state.volumes.filter((x) => x !== v);
    ctx.sim.mutated(ctx, 'DeleteVolume', `deleted ${v.VolumeId} (${v.Size} GiB)`);
    return {};
  },

  CreateVolume(ctx, input) {
    dry(input);
    const v: Volume = {
      VolumeId: ctx.sim.nextId('vol'),
      Size: input.Size ?? 8,
      SnapshotId: input.SnapshotId,
      AvailabilityZone: input.AvailabilityZone,
      VolumeType: input.VolumeType ?? 'gp3',
      State: 'creating',
      CreateTime: ctx.now,
      Encrypted: true,
      Attachments: [],
      Tags: tagsOf(input.TagSpecifications, 'volume'),
    };
    ctx.state.volumes.push(v);
    ctx.sim.mutated(ctx, 'CreateVolume', `created ${v.VolumeId}`);
    return structuredClone(v);
  },

  ModifyVolume(ctx, input) {
    const v = ctx.state.volumes.find((x) => x.VolumeId === input.VolumeId);
    if (!v) throw awsError('InvalidVolume.NotFound', `The volume '${input.VolumeId}' does not exist.`);
    dry(input);
    const mod = {
      VolumeId: v.VolumeId,
      ModificationState: 'completed',
      TargetSize: input.Size ?? v.Size,
      TargetVolumeType: input.VolumeType ?? v.VolumeType,
      OriginalSize: v.Size,
      OriginalVolumeType: v.VolumeType,
      Progress: 100,
      StartTime: ctx.now,
      EndTime: ctx.now,
    };
    v.Size = mod.TargetSize;
    v.VolumeType = mod.TargetVolumeType;
    (v as Volume & { _mods?: unknown[] })._mods = [...((v as { _mods?: unknown[] })._mods ?? []), mod];
    ctx.sim.mutated(ctx, 'ModifyVolume', `modified ${v.VolumeId} to ${v.VolumeType} ${v.Size} GiB`);
    return { VolumeModification: mod };
  },

  DescribeVolumesModifications(ctx, input) {
    const list = pick(ctx.state.volumes, input.VolumeIds, (v) => v.VolumeId, 'InvalidVolume.NotFound');
    return { VolumesModifications: list.flatMap((v) => (v as { _mods?: unknown[] })._mods ?? []) };
  },

  CreateSnapshot(ctx, input) {
    const v = ctx.state.volumes.find((x) => x.VolumeId === input.VolumeId);
    if (!v) throw awsError('InvalidVolume.NotFound', `The volume '${input.VolumeId}' does not exist.`);
    dry(input);
    const s: Snapshot = {
      SnapshotId: ctx.sim.nextId('snap'),
      VolumeId: v.VolumeId,
      VolumeSize: v.Size,
      State: 'pending',
      Progress: '0%',
      StartTime: ctx.now,
      OwnerId: ctx.account.awsAccountId,
      Description: input.Description ?? '',
      Encrypted: v.Encrypted ?? false,
      StorageTier: 'standard',
      Tags: tagsOf(input.TagSpecifications, 'snapshot'),
    };
    ctx.state.snapshots.push(s);
    ctx.sim.mutated(ctx, 'CreateSnapshot', `snapshot ${s.SnapshotId} of ${v.VolumeId}`);
    return structuredClone(s);
  },

  DescribeSnapshots(ctx, input) {
    const list = pick(
      ctx.state.snapshots,
      input.SnapshotIds,
      (s) => s.SnapshotId,
      'InvalidSnapshot.NotFound',
    ).filter((s) =>
      matches(input.Filters, (n) =>
        n === 'volume-id' ? [s.VolumeId ?? ''] : n === 'status' ? [s.State ?? ''] : tagFilter(s.Tags, n),
      ),
    );
    return { Snapshots: structuredClone(list) };
  },

  DeleteSnapshot(ctx, input) {
    const s = ctx.state.snapshots.find((x) => x.SnapshotId === input.SnapshotId);
    if (!s) throw awsError('InvalidSnapshot.NotFound', `The snapshot '${input.SnapshotId}' does not exist.`);
    const image = ctx.state.images.find((im) =>
      im.BlockDeviceMappings?.some((m) => m.Ebs?.SnapshotId === s.SnapshotId),
    );
    if (image)
      throw awsError(
        'InvalidSnapshot.InUse',
        `The snapshot ${s.SnapshotId} is currently in use by ${image.ImageId}`,
      );
    dry(input);
    ctx.state.snapshots = ctx.state.snapshots.filter((x) => x !== s);
    ctx.sim.mutated(ctx, 'DeleteSnapshot', `deleted ${s.SnapshotId}`);
    return {};
  },

  DescribeImages(ctx, input) {
    const list = pick(ctx.state.images, input.ImageIds, (im) => im.ImageId, 'InvalidAMIID.NotFound').filter(
      (im) =>
        matches(input.Filters, (n) =>
          n === 'block-device-mapping.snapshot-id'
            ? (im.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId ?? '')
            : n === 'name'
              ? [im.Name ?? '']
              : n === 'state'
                ? [im.State ?? '']
                : tagFilter(im.Tags, n),
        ),
    );
    return { Images: structuredClone(list) };
  },

  CreateImage(ctx, input) {
    const i = findInstanceIn(ctx, input.InstanceId);
    dry(input);
    const snapshots = (i.BlockDeviceMappings ?? []).map((m) => {
      const volume = ctx.state.volumes.find((v) => v.VolumeId === m.Ebs?.VolumeId);
      const snap: Snapshot = {
        SnapshotId: ctx.sim.nextId('snap'),
        VolumeId: m.Ebs?.VolumeId,
        VolumeSize: volume?.Size ?? 8,
        State: 'pending',
        StartTime: ctx.now,
        OwnerId: ctx.account.awsAccountId,
        Description: `Created by CreateImage(${i.InstanceId})`,
        Encrypted: true,
        StorageTier: 'standard',
        Tags: tagsOf(input.TagSpecifications, 'snapshot'),
      };
      ctx.state.snapshots.push(snap);
      return {
        DeviceName: m.DeviceName,
        Ebs: {
          SnapshotId: snap.SnapshotId,
          VolumeSize: snap.VolumeSize,
          VolumeType: 'gp3' as const,
          DeleteOnTermination: true,
        },
      };
    });
    const image: Image = {
      ImageId: ctx.sim.nextId('ami'),
      Name: input.Name,
      Description: input.Description,
      State: 'pending',
      OwnerId: ctx.account.awsAccountId,
      CreationDate: ctx.now.toISOString(),
      Architecture: 'x86_64',
      RootDeviceType: 'ebs',
      RootDeviceName: '/dev/xvda',
      VirtualizationType: 'hvm',
      BlockDeviceMappings: snapshots,
      Tags: tagsOf(input.TagSpecifications, 'image'),
    };
    ctx.state.images.push(image);
    ctx.sim.mutated(ctx, 'CreateImage', `AMI ${image.ImageId} of ${i.InstanceId}`);
    return { ImageId: image.ImageId };
  },

  DescribeLaunchTemplates(ctx, input) {
    const list = ctx.state.launchTemplates
      .map((t) => t.template)
      .filter(
        (t) => !input.LaunchTemplateIds?.length || input.LaunchTemplateIds.includes(t.LaunchTemplateId),
      );
    return { LaunchTemplates: structuredClone(list) };
  },

  DescribeLaunchTemplateVersions(ctx, input) {
    const t = ctx.state.launchTemplates.find(
      (x) =>
        x.template.LaunchTemplateId === input.LaunchTemplateId ||
        x.template.LaunchTemplateName === input.LaunchTemplateName,
    );
    if (!t)
      throw awsError(
        'InvalidLaunchTemplateId.NotFound',
        `The launch template ${input.LaunchTemplateId} does not exist`,
      );
    const wanted = (input.Versions ?? []) as string[];
    const versions = t.versions.filter(
      (v) =>
        !wanted.length ||
        wanted.includes(String(v.VersionNumber)) ||
        (wanted.includes('$Latest') && v.VersionNumber === t.template.LatestVersionNumber) ||
        (wanted.includes('$Default') && v.DefaultVersion),
    );
    return { LaunchTemplateVersions: structuredClone(versions) };
  },

  DescribeSpotPriceHistory(ctx, input) {
    const types: string[] = input.InstanceTypes ?? [];
    const zones = zonesOf(ctx.region)
      .map((z, i) => ({ ...z, i }))
      .filter((z) => !input.AvailabilityZone || z.name === input.AvailabilityZone);
    const end = input.EndTime ? new Date(input.EndTime) : ctx.now;
    const start = input.StartTime ? new Date(input.StartTime) : new Date(end.getTime() - 7 * 24 * HOUR_MS);
    // A price point every 6 hours; the point in effect at `start` is included, as AWS does.
    const step = 6 * HOUR_MS;
    const first = Math.floor(start.getTime() / step) * step;
    const all: unknown[] = [];
    for (const type of types) {
      for (const z of zones) {
        for (let t = Math.floor(end.getTime() / step) * step; t >= first; t -= step) {
          const at = new Date(t);
          const price = spotPrice(ctx.region, type, z.i, at);
          if (price === undefined) continue;
          all.push({
            AvailabilityZone: z.name,
            InstanceType: type,
            ProductDescription: 'Linux/UNIX',
            SpotPrice: price.toFixed(6),
            Timestamp: at,
          });
        }
      }
    }
    const offset = Number(input.NextToken ?? 0);
    const size = input.MaxResults ?? 1000;
    const page = all.slice(offset, offset + size);
    return { SpotPriceHistory: page, NextToken: offset + size < all.length ? String(offset + size) : '' };
  },

  DescribeReservedInstances() {
    return { ReservedInstances: [] };
  },

  CreateTags(ctx, input) {
    const targets = (input.Resources as string[]).map((id) => taggable(ctx, id));
    dry(input);
    for (const t of targets) t.Tags = applyTags(t.Tags, input.Tags ?? []);
    ctx.sim.mutated(
      ctx,
      'CreateTags',
      `tagged ${(input.Resources as string[]).join(', ')} ${(input.Tags as Tag[]).map((t) => `${t.Key}=${t.Value}`).join(' ')}`,
    );
    return {};
  },

  DeleteTags(ctx, input) {
    const targets = (input.Resources as string[]).map((id) => taggable(ctx, id));
    dry(input);
    const keys = new Set(((input.Tags ?? []) as Tag[]).map((t) => t.Key));
    for (const t of targets) t.Tags = (t.Tags ?? []).filter((x) => !keys.has(x.Key));
    ctx.sim.mutated(ctx, 'DeleteTags', `untagged ${(input.Resources as string[]).join(', ')}`);
    return {};
  },

  DescribeTags(ctx, input) {
    const ids = (input.Filters as Filter[] | undefined)?.find((f) => f.Name === 'resource-id')?.Values ?? [];
    const out: unknown[] = [];
    for (const id of ids) {
      let t: Taggable;
      try {
        t = taggable(ctx, id);
      } catch {
        continue;
      }
      for (const tag of t.Tags ?? [])
        out.push({ ResourceId: id, ResourceType: resourceType(id), Key: tag.Key, Value: tag.Value });
    }
    return { Tags: out };
  },
};

/** RunInstances with a LaunchTemplate: the template version's data, overridden by the request. */
function withLaunchTemplate(ctx: CallContext, input: Input): Input {
  const spec = input.LaunchTemplate;
  if (!spec) return input;
  const t = ctx.state.launchTemplates.find(
    (x) =>
      x.template.LaunchTemplateId === spec.LaunchTemplateId ||
      x.template.LaunchTemplateName === spec.LaunchTemplateName,
  );
  if (!t)
    throw awsError(
      'InvalidLaunchTemplateId.NotFound',
      `The specified launch template, with template ID ${spec.LaunchTemplateId}, does not exist.`,
    );
  const wanted = spec.Version ?? '$Default';
  const version = t.versions.find((v) =>
    wanted === '$Latest'
      ? v.VersionNumber === t.template.LatestVersionNumber
      : wanted === '$Default'
        ? v.DefaultVersion
        : String(v.VersionNumber) === String(wanted),
  );
  if (!version)
    throw awsError(
      'InvalidLaunchTemplateId.VersionNotFound',
      `Could not find launch template version ${wanted}`,
    );
  const data = (version.LaunchTemplateData ?? {}) as Input;
  return { ...data, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
}

function resourceType(id: string): string {
  const prefix = id.split('-')[0];
  return (
    { i: 'instance', vol: 'volume', snap: 'snapshot', ami: 'image', eipalloc: 'elastic-ip' }[prefix ?? ''] ??
    'unknown'
  );
}

// ---- Auto Scaling ---------------------------------------------------------------------------

function groupOf(ctx: CallContext, name: string): AutoScalingGroup {
  const g = ctx.state.groups.find((x) => x.AutoScalingGroupName === name);
  if (!g) throw awsError('ValidationError', `AutoScalingGroup name not found - ${name}`);
  return g;
}

const autoscaling: Record<string, Handler> = {
  DescribeAutoScalingGroups(ctx, input) {
    const names: string[] = input.AutoScalingGroupNames ?? [];
    const list = ctx.state.groups.filter(
      (g) => !names.length || names.includes(g.AutoScalingGroupName ?? ''),
    );
    // Instances that terminated left the group.
    for (const g of list) {
      g.Instances = (g.Instances ?? []).filter((gi) => {
        const i = ctx.state.instances.find((x) => x.InstanceId === gi.InstanceId);
        return i && i.State?.Name !== 'terminated';
      });
    }
    return { AutoScalingGroups: structuredClone(list) };
  },
  DescribeInstanceRefreshes() {
    return { InstanceRefreshes: [] };
  },
  UpdateAutoScalingGroup(ctx, input) {
    const g = groupOf(ctx, input.AutoScalingGroupName);
    for (const k of ['MinSize', 'MaxSize', 'DesiredCapacity'] as const)
      if (input[k] !== undefined) g[k] = input[k];
    ctx.sim.mutated(
      ctx,
      'UpdateAutoScalingGroup',
      `${g.AutoScalingGroupName}: min ${g.MinSize}, desired ${g.DesiredCapacity}, max ${g.MaxSize}`,
    );
    return {};
  },
  AttachInstances(ctx, input) {
    const g = groupOf(ctx, input.AutoScalingGroupName);
    for (const id of input.InstanceIds as string[]) {
      const i = findInstanceIn(ctx, id);
      i.Tags = applyTags(i.Tags, [{ Key: 'aws:autoscaling:groupName', Value: g.AutoScalingGroupName }]);
      g.Instances = [
        ...(g.Instances ?? []),
        {
          InstanceId: id,
          InstanceType: i.InstanceType,
          AvailabilityZone: i.Placement?.AvailabilityZone,
          LifecycleState: 'InService',
          HealthStatus: 'Healthy',
          ProtectedFromScaleIn: false,
        },
      ];
      g.DesiredCapacity = (g.DesiredCapacity ?? 0) + 1;
    }
    ctx.sim.mutated(
      ctx,
      'AttachInstances',
      `attached ${input.InstanceIds.join(', ')} to ${g.AutoScalingGroupName}`,
    );
    return {};
  },
  DetachInstances(ctx, input) {
    const g = groupOf(ctx, input.AutoScalingGroupName);
    const ids = new Set(input.InstanceIds as string[]);
    g.Instances = (g.Instances ?? []).filter((x) => !ids.has(x.InstanceId ?? ''));
    if (input.ShouldDecrementDesiredCapacity) g.DesiredCapacity = (g.DesiredCapacity ?? 0) - ids.size;
    for (const id of ids) {
      const i = ctx.state.instances.find((x) => x.InstanceId === id);
      if (i) i.Tags = (i.Tags ?? []).filter((t) => t.Key !== 'aws:autoscaling:groupName');
    }
    ctx.sim.mutated(ctx, 'DetachInstances', `detached ${[...ids].join(', ')} from ${g.AutoScalingGroupName}`);
    return {
      Activities: [...ids].map((id) => ({
        ActivityId: ctx.sim.nextId('act'),
        AutoScalingGroupName: g.AutoScalingGroupName,
        Description: `Detaching EC2 instance: ${id}`,
        Cause: 'An instance was detached',
        StartTime: ctx.now,
        StatusCode: 'InProgress',
      })),
    };
  },
};

// ---- EKS ------------------------------------------------------------------------------------

const eks: Record<string, Handler> = {
  DescribeCluster(ctx, input) {
    const c = ctx.state.clusters.find((x) => x.cluster.name === input.name);
    if (!c) throw awsError('ResourceNotFoundException', `No cluster found for name: ${input.name}.`, 404);
    return { cluster: structuredClone(c.cluster) };
  },
  DescribeNodegroup(ctx, input) {
    const c = ctx.state.clusters.find((x) => x.cluster.name === input.clusterName);
    const ng = c?.nodegroups.find((n) => n.nodegroupName === input.nodegroupName);
    if (!ng)
      throw awsError(
        'ResourceNotFoundException',
        `No node group found for name: ${input.nodegroupName}.`,
        404,
      );
    return { nodegroup: structuredClone(ng) };
  },
};

// ---- STS, Savings Plans, Pricing ------------------------------------------------------------

const sts: Record<string, Handler> = {
  GetCallerIdentity(ctx) {
    return { UserId: `AROASANDBOX:${ctx.session}`, Account: ctx.account.awsAccountId, Arn: ownerArn(ctx) };
  },
  AssumeRole(ctx, input) {
    const target = /^arn:aws:iam::(\d{12}):role\//.exec(input.RoleArn ?? '')?.[1];
    if (!target || !ctx.sim.world.accounts[target])
      throw awsError(
        'AccessDenied',
        `User is not authorized to perform: sts:AssumeRole on resource: ${input.RoleArn}`,
        403,
      );
    return {
      Credentials: {
        AccessKeyId: 'ASIASANDBOX',
        SecretAccessKey: 'sandbox',
        SessionToken: 'sandbox',
        Expiration: new Date(ctx.now.getTime() + (input.DurationSeconds ?? 3600) * 1000),
      },
      AssumedRoleUser: {
        AssumedRoleId: `AROASANDBOX:${input.RoleSessionName}`,
        Arn: `arn:aws:sts::${target}:assumed-role/x/${input.RoleSessionName}`,
      },
    };
  },
};

const savingsplans: Record<string, Handler> = {
  DescribeSavingsPlans() {
    return { savingsPlans: [] };
  },
};

const pricing: Record<string, Handler> = {};

const HANDLERS: Record<Service, Record<string, Handler>> = {
  ec2,
  autoscaling,
  eks,
  sts,
  savingsplans,
  pricing,
};
