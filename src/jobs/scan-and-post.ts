// Scan jobs: run scanners over every verified account, post cards for what is new (and for
// anything a Slack outage left unposted), and update the cards of findings that went away.
import { verifiedAccounts } from '../accounts/store.js';
import type { Deps } from '../deps.js';
import { runScan } from '../scanners/run.js';
import { publishFindings, refreshCard, unpostedFindings } from '../slack/cards.js';

export async function scanAndPost(deps: Deps, kinds: readonly string[]): Promise<string> {
  const accounts = await verifiedAccounts(deps.db);
  if (accounts.length === 0) return 'no verified accounts';
  const report = await runScan(
    {
      db: deps.db,
      aws: (account) => deps.awsFor(account),
      clock: deps.clock,
      log: deps.log,
      config: deps.config,
    },
    { accounts, kinds },
  );
  const posted = await publishFindings(
    deps,
    (await unpostedFindings(deps)).filter((r) => kinds.includes(r.kind)),
  );
  for (const rec of report.resolved) await refreshCard(deps, rec.id);
  return `${report.runs.length} scans, ${report.newlyOpened.length} new, ${posted} posted, ${report.resolved.length} resolved, ${report.failures.length} failed`;
}
