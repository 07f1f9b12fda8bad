// Shared setup for the scanner tests: a config, an account row, mocked-client AWS access and a
// scan context on a ManualClock.
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { STSClient } from '@aws-sdk/client-sts';
import type { AccountAccess } from '../../src/aws/clients.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Db } from '../../src/db/client.js';
import { type Account, accounts } from '../../src/db/schema.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import type { ScanContext } from '../../src/scanners/types.js';

export const NOW = '2026-03-01T12:00:00Z';

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ SLACK_BOT_TOKEN: 'xoxb-test', SLACK_APP_TOKEN: 'xapp-test', ...env });
}

const credentials = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' };

/** Real SDK clients with fake static credentials; `mockClient(EC2Client)` answers their calls. */
export function mockedAccess(): AccountAccess {
  return {
    ec2: (region) => new EC2Client({ region, credentials }),
    autoScaling: (region) => new AutoScalingClient({ region, credentials }),
    eks: (region) => new EKSClient({ region, credentials }),
    eventBridge: (region) => new EventBridgeClient({ region, credentials }),
    sts: (region) => new STSClient({ region, credentials }),
  };
}

export async function insertAccount(
  db: Db,
  name = 'acme-lab',
  regions: string[] = ['us-east-1'],
): Promise<Account> {
  const [row] = await db
    .insert(accounts)
    .values({
      name,
      awsAccountId: '123456789012',
      roleArn: 'arn:aws:iam::123456789012:role/spotops-read',
      externalId: 'ext-0123456789',
      regions,
      createdBy: 'U0ADMIN',
    })
    .returning();
  return row!;
}

export function scanContext(
  db: Db,
  account: Account,
  opts: { region?: string; clock?: ManualClock; config?: Config } = {},
): ScanContext & { clock: ManualClock } {
  return {
    aws: mockedAccess(),
    account,
    region: opts.region ?? 'us-east-1',
    db,
    clock: opts.clock ?? new ManualClock(NOW),
    log: silentLogger,
    config: opts.config ?? testConfig(),
  };
}

/** `days` days before `from`. */
export const daysAgo = (days: number, from: string | Date = NOW): Date =>
  new Date(new Date(from).getTime() - days * 86_400_000);
