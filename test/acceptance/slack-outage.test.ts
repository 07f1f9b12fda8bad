// Acceptance: Slack answers 429 (Retry-After) and then 500 for a whole minute while an
// execution runs. The execution does not wait on Slack at all; once Slack is back, every thread
// reply and card update is delivered, in order, exactly once. Time is a ManualClock: the minute
// passes in the test's hands, not on the wall.
import { DescribeAddressesCommand, EC2Client, ReleaseAddressCommand } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executions, outbox, recommendations } from '../../src/db/schema.js';
import { approveRecommendation } from '../../src/engine/approval.js';
import { claimNext, runExecution, workerLease } from '../../src/engine/executions.js';
import { publishScanResults } from '../../src/engine/publish.js';
import type { ManualClock } from '../../src/lib/clock.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

const ec2 = mockClient(EC2Client);
const sts = mockClient(STSClient);

describe('a minute of Slack failures during an execution', { timeout: 120_000 }, () => {
  let t: TestApp;
  beforeEach(async () => {
    ec2.reset();
    sts.reset();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIA',
        SecretAccessKey: 's',
        SessionToken: 't',
        Expiration: new Date('2030-01-01T00:00:00Z'),
      },
    });
    let released = false;
    ec2.on(DescribeAddressesCommand).callsFake(async () => ({
      Addresses: released ? [] : [{ AllocationId: 'eipalloc-0abc', PublicIp: '52.1.2.3', Domain: 'vpc' }],
    }));
    ec2.on(ReleaseAddressCommand).callsFake(async (input) => {
      if (input.DryRun)
        throw Object.assign(new Error('Request would have succeeded, but DryRun flag is set.'), {
          name: 'DryRunOperation',
        });
      released = true;
      return {};
    });
    t = await startTestApp({ env: { DRY_RUN: 'false' } });
  }, 120_000);
  afterEach(() => t.stop(), 120_000);

  it('does not slow the execution, and afterwards delivers every reply and card update in order, exactly once', async () => {
    const clock = t.clock as ManualClock;
    const account = await verifiedAccount(t.db.db);
    const [rec] = await t.db.db
      .insert(recommendations)
      .values({
        fingerprint: 'eip-1',
        kind: 'unassociated-elastic-ips',
        executor: 'release-elastic-ip',
        accountId: account.id,
        region: 'us-east-1',
        resourceId: 'eipalloc-0abc',
        title: 'Elastic IP 52.1.2.3',
        params: { allocationId: 'eipalloc-0abc', publicIp: '52.1.2.3' },
        evidence: { publicIp: '52.1.2.3', allocationId: 'eipalloc-0abc' },
        monthlySavingsUsd: 3.6,
      })
      .returning();
    await publishScanResults(t.deps);
    await t.deliverOutbox();
    const [posted] = await t.db.db.select().from(recommendations);
    const cardTs = posted!.slackTs!;
    expect(cardTs).toBeTruthy();

    // Slack goes bad: three 429s with Retry-After, then 500 until a minute has passed.
    const outageEnds = clock.now().getTime() + 60_000;
    let limited = 3;
    t.slack.failure = () => {
      if (clock.now().getTime() >= outageEnds) return undefined;
      if (limited-- > 0) return { status: 429, headers: { 'retry-after': '5' } };
      return { status: 500 };
    };

    await approveRecommendation(t.deps, null, rec!.id, 'U0BOB');
    const lease = workerLease();
    const exec = await claimNext(t.deps, lease);
    const started = Date.now();
    const done = await runExecution(t.deps, exec!, lease);
    const took = Date.now() - started;
    expect(done.status).toBe('succeeded');
    // The relay kept trying meanwhile (and failing); the execution never waited for it.
    await t.relay.kick();
    expect(t.slack.calls.some((c) => c.method.endsWith(':429'))).toBe(true);
    expect(took).toBeLessThan(10_000);
    const waiting = await t.db.db.select().from(outbox);
    expect(waiting.filter((r) => r.status === 'pending').length).toBeGreaterThan(0);

    // The minute passes, one second at a time; the relay retries as each backoff expires (the
    // last backoff may end a little after Slack is back).
    const pending = async () =>
      (await t.db.db.select().from(outbox)).filter((r) => r.status === 'pending').length;
    for (let s = 0; s < 600 && (s < 60 || (await pending()) > 0); s++) {
      clock.advance(1000);
      await t.relay.kick();
      if (s === 30) expect(t.slack.calls.some((c) => c.method.endsWith(':500'))).toBe(true);
    }
    await t.deliverOutbox();

    const replies = t.slack.thread(cardTs).map((m) => m.text ?? '');
    expect(replies).toEqual([
      'Found 1 unassociated Elastic IP ($3.60/month).',
      expect.stringMatching(/^Approved by <@U0BOB>, validating\.\.\.$/),
      expect.stringMatching(/^Validated: /),
      expect.stringMatching(/^Released 52\.1\.2\.3/),
      expect.stringMatching(/^Verified: /),
    ]);
    // Exactly once: every reply went out once, and nothing is left.
    expect(new Set(replies).size).toBe(replies.length);
    const rows = await t.db.db.select().from(outbox);
    expect(rows.filter((r) => r.status === 'pending' || r.status === 'failed')).toEqual([]);
    const card = t.slack.messages.find((m) => m.ts === cardTs)!;
    expect(card.updates).toBeGreaterThan(0);
    expect(JSON.stringify(card.blocks)).toContain('released by <@U0BOB>');
    expect((await t.db.db.select().from(executions))[0]!.status).toBe('succeeded');
  });
});
