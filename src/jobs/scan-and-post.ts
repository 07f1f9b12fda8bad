// Scan jobs: run scanners over every verified account, queue cards for what is new (and for
// anything left unposted), one summary reply per affected card, and one message per account +
// region whose scan failed (repeated only when the cause changes). Nothing here talks to
// Slack: the outbox relay delivers.
import { verifiedAccounts } from '../accounts/store.js';
import { withPriority } from '../aws/request-budget.js';
import type { Deps } from '../deps.js';
import { publishScanResults } from '../engine/publish.js';
import { announceScanFailures } from '../engine/scan-notices.js';
import { runScan } from '../scanners/run.js';

export async function scanAndPost(deps: Deps, kinds: readonly string[]): Promise<string> {
  const accounts = await verifiedAccounts(deps.db);
  if (accounts.length === 0) return 'no verified accounts';
  // Scan calls yield to anything more urgent in the request budget (aws/request-budget.ts).
  const report = await withPriority('scan', () =>
    runScan(
      {
        db: deps.db,
        aws: (account) => deps.awsFor(account),
        clock: deps.clock,
        log: deps.log,
        config: deps.config,
      },
      { accounts, kinds },
    ),
  );
  const published = await publishScanResults(deps, { kinds, resolved: report.resolved });
  await announceScanFailures(deps, {
    failures: report.failures,
    succeeded: report.runs.filter((r) => r.status === 'succeeded'),
  });
  return `${report.runs.length} scans, ${report.newlyOpened.length} new, ${published.posted} posted on ${published.cards} cards, ${report.resolved.length} resolved, ${report.failures.length} failed`;
}
