// Test seams for executors: an ExecutorContext over real SDK clients (mocked by
// aws-sdk-client-mock), a ManualClock, a silent logger, tiny waits, and helpers to answer
// DryRun requests the way AWS does and to read back what the mock was sent.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsClientStub } from 'aws-sdk-client-mock';
import type { AccountAccess } from '../../src/aws/clients.js';
import type { ExecutorContext } from '../../src/executors/types.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';

export const REGION = 'us-east-1';
const credentials = { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x' };

export function fakeAccess(): AccountAccess {
  return {
    ec2: (region) => new EC2Client({ region, credentials }),
    autoScaling: (region) => new AutoScalingClient({ region, credentials }),
    eks: (region) => new EKSClient({ region, credentials }),
    eventBridge: (region) => new EventBridgeClient({ region, credentials }),
    sts: (region) => new STSClient({ region, credentials }),
  };
}

export interface TestContext extends ExecutorContext {
  /** Every progress line the executor reported. */
  progressLines: string[];
}

export function makeContext(opts: { dryRun?: boolean; environment?: 'PROD' | 'LAB' } = {}): TestContext {
  const progressLines: string[] = [];
  return {
    dryRun: opts.dryRun ?? false,
    aws: fakeAccess(),
    account: { id: 1, name: 'lab', environment: opts.environment ?? 'LAB', awsAccountId: '123456789012' },
    region: REGION,
    actor: 'U123',
    clock: new ManualClock('2026-03-01T12:00:00Z'),
    log: silentLogger,
    // Polls every millisecond or so and gives up after two seconds: tests never wait for real.
    waits: { minDelaySeconds: 0.001, maxDelaySeconds: 0.005, maxWaitSeconds: 2 },
    progress: async (line) => {
      progressLines.push(line);
    },
    progressLines,
  };
}

/** How AWS answers an allowed DryRun request. */
export function dryRunOperation(): Error {
  return Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), {
    name: 'DryRunOperation',
    $fault: 'client',
  });
}

/** How AWS answers a denied request (DryRun or not). */
export function unauthorized(): Error {
  return Object.assign(new Error('You are not authorized to perform this operation.'), {
    name: 'UnauthorizedOperation',
    $fault: 'client',
  });
}

export function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client' });
}

type CommandClass = new (input: any) => any;

/** Answers `DryRun: true` requests for these commands with DryRunOperation (allowed). */
export function allowDryRun(mock: AwsClientStub<EC2Client>, ...commands: CommandClass[]): void {
  for (const command of commands) mock.on(command, { DryRun: true }).rejects(dryRunOperation());
}

/** Answers `DryRun: true` requests for this command with UnauthorizedOperation (denied). */
export function denyDryRun(mock: AwsClientStub<EC2Client>, command: CommandClass): void {
  mock.on(command, { DryRun: true }).rejects(unauthorized());
}

/** A mocked client of any service (EC2, Auto Scaling). */
type AnyStub = Pick<AwsClientStub<EC2Client>, 'calls'> | Pick<AwsClientStub<AutoScalingClient>, 'calls'>;

export interface SentCommand {
  name: string;
  input: Record<string, unknown>;
}

/** Every command the mock received, in order: `{ name: 'ReleaseAddress', input }`. */
export function sent(mock: AnyStub): SentCommand[] {
  return mock.calls().map((call) => {
    const command = call.args[0] as unknown as {
      constructor: { name: string };
      input: Record<string, unknown>;
    };
    return { name: command.constructor.name.replace(/Command$/, ''), input: command.input };
  });
}

/** Commands that change something: everything except Describe*, Get*, List*. */
export function isMutating(name: string): boolean {
  return !/^(Describe|Get|List)/.test(name);
}

/** Mutating commands sent for real (not as a DryRun). */
export function liveMutations(mock: AnyStub): SentCommand[] {
  return sent(mock).filter((c) => isMutating(c.name) && c.input.DryRun !== true);
}

/**
 * The IAM action behind each command the mock saw: ReleaseAddressCommand -> ec2:ReleaseAddress,
 * AttachInstancesCommand -> autoscaling:AttachInstances (with service 'autoscaling').
 */
export function iamActionsSent(mock: AnyStub, service: 'ec2' | 'autoscaling' = 'ec2'): string[] {
  return [...new Set(sent(mock).map((c) => `${service}:${c.name}`))].sort();
}
