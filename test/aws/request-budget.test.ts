// Request budgets: EC2's published buckets, priority for the emergency path, and a real SDK client
// whose every attempt waits for a token (the middleware sits after the adaptive retry).
import { Readable } from 'node:stream';
import { DescribeAddressesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountAccess } from '../../src/aws/clients.js';
import {
  BUCKETS,
  familyOf,
  RequestBudget,
  withPriority,
  withRequestBudget,
} from '../../src/aws/request-budget.js';
import { type Account, recommendations } from '../../src/db/schema.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { runScan } from '../../src/scanners/run.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertAccount, NOW, testConfig } from '../scanners/helpers.js';

const KEY = { account: 'arn:aws:iam::123456789012:role/spotops', region: 'us-east-1', service: 'ec2' };

/** A budget in simulated time: waiting for a token moves the clock, never the test. */
function simulated() {
  const clock = new ManualClock('2026-12-01T12:00:00Z');
  const start = clock.now().getTime();
  const budget = new RequestBudget(clock, async (ms) => {
    clock.advance(ms);
  });
  return { clock, budget, elapsed: () => clock.now().getTime() - start };
}

describe('the request budget', () => {
  it('sorts calls into EC2 API families', () => {
    expect(familyOf('DescribeInstancesCommand')).toBe('describe');
    expect(familyOf('GetSpotPlacementScores')).toBe('describe');
    expect(familyOf('RunInstances')).toBe('run-instances');
    expect(familyOf('TerminateInstances')).toBe('mutating');
    expect(BUCKETS).toEqual({
      describe: { burst: 100, perSecond: 20 },
      'run-instances': { burst: 5, perSecond: 2 },
      mutating: { burst: 50, perSecond: 5 },
    });
  });

  it('lets a Describe burst of 100 through at once, then 20 per second', async () => {
    const { budget, elapsed } = simulated();
    for (let i = 0; i < 100; i++) await budget.acquire(KEY, 'DescribeVolumes', 'normal');
    expect(elapsed()).toBe(0);
    for (let i = 0; i < 40; i++) await budget.acquire(KEY, 'DescribeVolumes', 'normal');
    expect(elapsed()).toBeGreaterThanOrEqual(1_950);
    expect(elapsed()).toBeLessThanOrEqual(2_100);
  });

  it('lets 5 RunInstances through at once, then 2 per second, apart from the Describe bucket', async () => {
    const { budget, elapsed } = simulated();
    for (let i = 0; i < 100; i++) await budget.acquire(KEY, 'DescribeVolumes', 'normal');
    for (let i = 0; i < 5; i++) await budget.acquire(KEY, 'RunInstances', 'normal');
    expect(elapsed()).toBe(0);
    for (let i = 0; i < 4; i++) await budget.acquire(KEY, 'RunInstances', 'normal');
    expect(elapsed()).toBeGreaterThanOrEqual(1_950);
    expect(elapsed()).toBeLessThanOrEqual(2_100);
  });

  it('keeps buckets per account and region', async () => {
    const { budget, elapsed } = simulated();
    for (let i = 0; i < 5; i++) await budget.acquire(KEY, 'RunInstances', 'normal');
    await budget.acquire({ ...KEY, region: 'eu-west-1' }, 'RunInstances', 'normal');
    await budget.acquire({ ...KEY, account: 'other' }, 'RunInstances', 'normal');
    expect(elapsed()).toBe(0);
  });

  it('serves an emergency call ahead of a queued scan of 2,000 calls, from the reserve the scan may not use', async () => {
    const { budget, elapsed } = simulated();
    const scanDone: number[] = [];
    const scan = Array.from({ length: 2_000 }, (_, i) =>
      budget.acquire(KEY, 'DescribeVolumes', 'scan').then(() => scanDone.push(i)),
    );
    // The scan took what it may of the burst and queued the rest.
    await new Promise((r) => setImmediate(r));
    const bucket = budget.bucket(KEY, 'describe');
    expect(bucket.tokens).toBeGreaterThanOrEqual(19);
    const before = scanDone.length;
    const at = elapsed();
    await budget.acquire(KEY, 'DescribeInstances', 'emergency');
    expect(elapsed() - at).toBeLessThanOrEqual(50);
    expect(scanDone.length - before).toBeLessThan(5);
    await Promise.all(scan);
    expect(scanDone).toHaveLength(2_000);
  });

  it('gives an emergency call (by its async scope) the first token that refills in an empty bucket', async () => {
    const { budget, elapsed } = simulated();
    for (let i = 0; i < 100; i++) await budget.acquire(KEY, 'DescribeVolumes', 'normal');
    const scanDone: number[] = [];
    const scan = Array.from({ length: 2_000 }, (_, i) =>
      budget.acquire(KEY, 'DescribeVolumes', 'scan').then(() => scanDone.push(i)),
    );
    await withPriority('emergency', () => budget.acquire(KEY, 'DescribeInstances'));
    // At most a couple of refill steps (50 ms each at 20 per second), never behind the scan.
    expect(elapsed()).toBeLessThanOrEqual(100);
    expect(scanDone).toHaveLength(0);
    await Promise.all(scan);
    // 2,000 scan calls at 20 per second, after the floor refilled: about 100 s of simulated time.
    expect(elapsed()).toBeGreaterThanOrEqual(100_000);
  });
});

/**
 * EC2's query protocol over a fake HTTP handler: DescribeAddresses answers `perRegion` idle
 * addresses; attempts numbered 1, 4, 7, ... (30 %) are refused with RequestLimitExceeded.
 */
function throttlingEc2(region: string, perRegion: number, log: { attempts: number; throttled: number }) {
  const handler = {
    async handle() {
      log.attempts += 1;
      const throttled = log.attempts % 10 === 1 || log.attempts % 10 === 4 || log.attempts % 10 === 7;
      const body = throttled
        ? '<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>req-t</RequestID></Response>'
        : `<DescribeAddressesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>req-ok</requestId><addressesSet>${Array.from(
            { length: perRegion },
            (_, i) =>
              `<item><allocationId>eipalloc-${region}-${i}</allocationId><publicIp>3.80.${Math.floor(i / 250)}.${i % 250}</publicIp><domain>vpc</domain></item>`,
          ).join('')}</addressesSet></DescribeAddressesResponse>`;
      if (throttled) log.throttled += 1;
      return {
        response: {
          statusCode: throttled ? 503 : 200,
          headers: { 'content-type': 'text/xml' },
          body: Readable.from([Buffer.from(body)]),
        },
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
  };
  return new EC2Client({
    region,
    credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x' },
    retryMode: 'adaptive',
    maxAttempts: 5,
    requestHandler: handler as never,
  });
}

describe('a scan of 2,000 resources with 30 % of calls throttled', { timeout: 90_000 }, () => {
  let t: TestDatabase;
  let account: Account;
  beforeEach(async () => {
    t = await createTestDatabase();
    account = await insertAccount(t.db, 'big', ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1']);
  });
  afterEach(() => t.destroy());

  it('stores every finding, every attempt having waited for a token', async () => {
    const log = { attempts: 0, throttled: 0 };
    const budget = new RequestBudget(new ManualClock(NOW), async () => {});
    let acquired = 0;
    const acquire = budget.acquire.bind(budget);
    budget.acquire = (...args) => {
      acquired += 1;
      return acquire(...args);
    };
    const access = (region: string) =>
      withRequestBudget(throttlingEc2(region, 500, log), budget, {
        account: account.roleArn ?? '',
        region,
        service: 'ec2',
      });
    const report = await withPriority('scan', () =>
      runScan(
        {
          db: t.db,
          aws: () => ({ ec2: access }) as unknown as AccountAccess,
          clock: new ManualClock(NOW),
          log: silentLogger,
          config: testConfig(),
        },
        { accounts: [account], kinds: ['unassociated-elastic-ips'] },
      ),
    );
    expect(report.failures).toEqual([]);
    expect(log.throttled / log.attempts).toBeGreaterThanOrEqual(0.3);
    expect(acquired).toBe(log.attempts);
    expect(await t.db.$count(recommendations)).toBe(2_000);
    // Sanity: the command type the scanner sends is the one the fake answers.
    expect(new DescribeAddressesCommand({})).toBeInstanceOf(DescribeAddressesCommand);
  });
});
