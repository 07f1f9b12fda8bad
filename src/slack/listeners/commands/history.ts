// /spot history [account] [days] [kind]: executions, newest first, filtered in any order; one
// page from SQL (a count and a LIMIT) with an "N more" line.
import { listAccounts } from '../../../accounts/store.js';
import { executionHistory } from '../../../engine/history.js';
import { HISTORY_PAGE, historyMessage } from '../../blocks/history.js';
import { describeFilters, parseReportFilters } from './report-filters.js';
import type { Subcommand } from './spot.js';

export const historyCommand: Subcommand = async (ctx, args) => {
  const { db } = ctx.deps;
  const accounts = await listAccounts(db);
  const f = parseReportFilters(args, {
    accounts: accounts.map((a) => a.name),
    usage: 'history [account] [days] [kind]',
  });
  const accountId = accounts.find((a) => a.name === f.account)?.id;
  const { rows, total } = await executionHistory(
    db,
    { accountId, days: f.days, kind: f.kind },
    ctx.deps.clock.now(),
    HISTORY_PAGE,
  );
  return historyMessage({
    items: rows.map((r) => ({ ...r, account: f.account ? undefined : r.account })),
    total,
    filters: describeFilters(f),
  });
};
