// A scan that fails for an account + region says so once, in words, and again only when the
// cause changes; a region that scans cleanly again is forgotten, so its next failure is said.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outbox } from '../../src/db/schema.js';
import { announceScanFailures } from '../../src/engine/scan-notices.js';
import { ManualClock } from '../../src/lib/clock.js';
import { silentLogger } from '../../src/lib/logger.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const throttled = () =>
  new Error('describing Elastic IPs in us-east-1', {
    cause: Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: {} }),
  });
const denied = () =>
  new Error('describing Elastic IPs in us-east-1', {
    cause: Object.assign(new Error('not authorized to perform: ec2:DescribeAddresses'), {
      name: 'UnauthorizedOperation',
      $metadata: {},
    }),
  });

describe('scan failure notices', () => {
  let db: TestDatabase;
  let accountId: number;
  const deps = () => ({
    db: db.db,
    log: silentLogger,
    clock: new ManualClock('2026-11-24T12:00:00Z'),
    config: { SPOTOPS_CHANNEL: 'C0OPS' },
  });
  const failing = (cause: unknown) => ({
    failures: ['unassociated-elastic-ips', 'unattached-ebs-volumes'].map((scanner) => ({
      accountId,
      region: 'us-east-1',
      scanner,
      error: 'x',
      cause,
    })),
    succeeded: [],
  });
  const posts = async () =>
    (await db.db.select().from(outbox).where(eq(outbox.kind, 'post'))).map((r) => String(r.payload.text));

  beforeAll(async () => {
    db = await createTestDatabase();
    accountId = (await verifiedAccount(db.db, { slackChannel: 'C0WEB' })).id;
  }, 120_000);
  afterAll(() => db.destroy());

  it('posts one message for every call of a region being throttled, in words', async () => {
    expect(await announceScanFailures(deps(), failing(throttled()))).toBe(1);
    const [text] = await posts();
    expect(text).toMatch(
      /^:warning: Scanning .* us-east-1 for unassociated elastic ips, unattached ebs volumes failed: AWS throttled the calls/,
    );
    expect(text).not.toMatch(/Rate exceeded/);
  });

  it('stays quiet while the cause stays the same', async () => {
    expect(await announceScanFailures(deps(), failing(throttled()))).toBe(0);
    expect(await posts()).toHaveLength(1);
  });

  it('speaks again when the cause changes', async () => {
    expect(await announceScanFailures(deps(), failing(denied()))).toBe(1);
    expect((await posts())[1]).toMatch(/lacks ec2:DescribeAddresses/);
  });

  it('forgets a region that scans again, so its next failure is told', async () => {
    await announceScanFailures(deps(), {
      failures: [],
      succeeded: [{ accountId, region: 'us-east-1', scanner: 'unassociated-elastic-ips' }],
    });
    expect(await announceScanFailures(deps(), failing(denied()))).toBe(1);
    expect(await posts()).toHaveLength(3);
  });
});
