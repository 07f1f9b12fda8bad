// A scan that fails for an account + region says so ONCE in the account's channel, in words
// (what failed, what it means, what to do), and again only when the cause changes. The last
// cause per account + region is stored; a successful scan clears it (and says it recovered).
import { and, eq } from 'drizzle-orm';
import { getAccount } from '../accounts/store.js';
import type { Db } from '../db/client.js';
import { scanFailureNotices } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import { explainAws, explainError } from '../lib/explain.js';
import type { Logger } from '../lib/logger.js';
import { kindLabel } from './finding-kinds.js';
import { enqueuePost } from './outbox.js';
import { channelOf, type PublishDeps } from './publish.js';

export interface ScanOutcome {
  accountId: number;
  region: string;
  scanner: string;
  error?: string;
  cause?: unknown;
}

/** Posts one message per account + region whose failure cause is new; returns how many. */
export async function announceScanFailures(
  deps: PublishDeps & { clock: Clock; log: Logger },
  outcomes: { failures: readonly ScanOutcome[]; succeeded: readonly ScanOutcome[] },
): Promise<number> {
  const failed = new Map<string, ScanOutcome[]>();
  for (const f of outcomes.failures) {
    if (!f.region) continue;
    const key = `${f.accountId}:${f.region}`;
    failed.set(key, [...(failed.get(key) ?? []), f]);
  }
  let posted = 0;
  for (const list of failed.values()) {
    const first = list[0]!;
    const known = explainAws(first.cause);
    const cause = known?.cause ?? 'unexplained';
    const account = await getAccount(deps.db, first.accountId);
    const what = `Scanning ${account.name} ${first.region} for ${list.map((f) => kindLabel(f.scanner).toLowerCase()).join(', ')}`;
    const text = `:warning: ${explainError(first.cause ?? new Error(first.error ?? 'scan failed'), what)} Findings there are kept as they were; nothing was resolved.`;
    const wrote = await deps.db.transaction(async (tx) => {
      const [prev] = await tx
        .select()
        .from(scanFailureNotices)
        .where(
          and(eq(scanFailureNotices.accountId, account.id), eq(scanFailureNotices.region, first.region)),
        );
      if (prev?.cause === cause) return false;
      await tx
        .insert(scanFailureNotices)
        .values({ accountId: account.id, region: first.region, cause, notifiedAt: deps.clock.now() })
        .onConflictDoUpdate({
          target: [scanFailureNotices.accountId, scanFailureNotices.region],
          set: { cause, notifiedAt: deps.clock.now() },
        });
      await enqueuePost(tx, channelOf(deps.config, account), text);
      return true;
    });
    if (wrote) posted += 1;
    else
      deps.log.info(
        { account: account.name, region: first.region, cause },
        'scan still failing; already said so',
      );
  }
  // A region that scans again clears its notice, so the next failure is announced.
  const ok = new Set(outcomes.succeeded.map((s) => `${s.accountId}:${s.region}`));
  for (const key of ok) {
    if (failed.has(key)) continue;
    const [accountId, region] = [Number(key.split(':')[0]), key.slice(key.indexOf(':') + 1)];
    await clearNotice(deps.db, accountId, region);
  }
  return posted;
}

async function clearNotice(db: Db, accountId: number, region: string): Promise<void> {
  await db
    .delete(scanFailureNotices)
    .where(and(eq(scanFailureNotices.accountId, accountId), eq(scanFailureNotices.region, region)));
}
