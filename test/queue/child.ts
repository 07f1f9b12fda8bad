// A worker process for the shared-queue test: the real composition (config -> PostgreSQL -> deps
// -> ExecutionWorker) with AWS answered in-process by aws-sdk-client-mock (STS AssumeRole, and
// release-elastic-ip's DescribeAddresses + DryRun ReleaseAddress, each describe taking WORK_MS so
// runs overlap). The test bundles it with esbuild and starts two of them with node.
import { DescribeAddressesCommand, EC2Client, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/client.js';
import { ExecutionWorker } from '../../src/engine/worker.js';
import { createLogger } from '../../src/lib/logger.js';
import { createDeps } from '../../src/runtime.js';
import { OfflineNotifier } from '../../src/slack/notifier.js';

const env = process.env;
const workMs = Number(env.WORK_MS ?? 20);

mockClient(STSClient)
  .on(AssumeRoleCommand)
  .resolves({
    Credentials: {
      AccessKeyId: 'ASIA',
      SecretAccessKey: 's',
      SessionToken: 't',
      Expiration: new Date('2030-01-01T00:00:00Z'),
    },
  });
const ec2 = mockClient(EC2Client);
ec2.on(DescribeAddressesCommand).callsFake(async (input: { AllocationIds?: string[] }) => {
  await new Promise((r) => setTimeout(r, workMs));
  const id = input.AllocationIds?.[0] ?? 'eipalloc-0';
  return { Addresses: [{ AllocationId: id, PublicIp: '52.1.2.3', Domain: 'vpc' }] };
});
ec2.on(ReleaseAddressCommand, { DryRun: true }).rejects(
  Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), {
    name: 'DryRunOperation',
    $fault: 'client',
  }),
);

const config = loadConfig({
  SLACK_MODE: 'http',
  SLACK_BOT_TOKEN: 'xoxb-queue-test',
  SLACK_SIGNING_SECRET: 'queue-test-secret',
  SLACK_API_URL: 'http://127.0.0.1:9/api/',
  AWS_REGION: 'us-east-1',
  LOG_LEVEL: env.CHILD_LOG_LEVEL ?? 'silent',
  DRY_RUN: 'true',
  DATABASE_URL: env.DATABASE_URL ?? '',
  QUEUE_MAX_RUNNING: env.QUEUE_MAX_RUNNING ?? '5',
  QUEUE_MAX_PER_ACCOUNT: env.QUEUE_MAX_PER_ACCOUNT ?? '2',
  WORKER_SLOTS: env.WORKER_SLOTS ?? '4',
});
const log = createLogger(config.LOG_LEVEL);
const database = await openDatabase({ url: env.DATABASE_URL ?? '' });
const deps = createDeps(config, database, log, { notifier: new OfflineNotifier(log) });
const worker = new ExecutionWorker(deps);
worker.start(Number(env.POLL_MS ?? 100));
process.stdout.write('ready\n');
