// A verified account row, as `/spot verify` leaves it, for tests that start after onboarding.
import type { Db } from '../../src/db/client.js';
import { type Account, accounts } from '../../src/db/schema.js';

export async function verifiedAccount(
  db: Db,
  o: Partial<typeof accounts.$inferInsert> & { name?: string } = {},
): Promise<Account> {
  const [row] = await db
    .insert(accounts)
    .values({
      name: 'lab',
      environment: 'LAB',
      regions: ['us-east-1'],
      externalId: 'x'.repeat(32),
      awsAccountId: '444455556666',
      roleArn: `arn:aws:iam::444455556666:role/SpotOps-${o.name ?? 'lab'}`,
      status: 'verified',
      approvers: ['U0BOB'],
      createdBy: 'U0BOB',
      verifiedAt: new Date('2026-11-01T00:00:00Z'),
      ...o,
    })
    .returning();
  return row!;
}
