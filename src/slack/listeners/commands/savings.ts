// /spot savings [account] [days] [kind] [csv]: estimate vs measured per kind
// (engine/measured-savings.ts) and the ESR; with `csv`, one row per live execution uploaded as
// a file to the channel the command came from (through the outbox, like every Slack write).
import { listAccounts } from '../../../accounts/store.js';
import { replacedBeforeTerminationRate } from '../../../db/queries/interruption-responses.js';
import { effectiveSavingsRateNow } from '../../../engine/effective-savings-rate.js';
import { savingsExport } from '../../../engine/history.js';
import { measuredSavingsByKind } from '../../../engine/measured-savings.js';
import { enqueueFile } from '../../../engine/outbox.js';
import { kindLabel } from '../../../engine/reports.js';
import { DAY } from '../../../lib/clock.js';
import { plural } from '../../blocks/format.js';
import { savingsReport } from '../../blocks/measured-savings.js';
import { savingsCsv } from '../../files/savings-csv.js';
import { ephemeral } from './reply.js';
import { describeFilters, parseReportFilters } from './report-filters.js';
import type { Subcommand } from './spot.js';

/** Rows in one CSV: far more than any team executes, well under Slack's 1 GB file limit. */
export const CSV_MAX_ROWS = 50_000;

export const savingsCommand: Subcommand = async (ctx, args) => {
  const { db, clock } = ctx.deps;
  const accounts = await listAccounts(db);
  const f = parseReportFilters(args, {
    accounts: accounts.map((a) => a.name),
    csv: true,
    usage: 'savings [account] [days] [kind] [csv]',
  });
  if (!f.csv) {
    if (f.account || f.kind) {
      return ephemeral(
        'The savings summary is per kind across accounts; add `csv` for one row per execution of that scope, e.g. `/spot savings lab 30 csv`.',
      );
    }
    const since = f.days ? new Date(clock.now().getTime() - f.days * DAY) : undefined;
    return savingsReport({
      rows: (await measuredSavingsByKind(db, since)).map((r) => ({ ...r, label: kindLabel(r.kind) })),
      esr: await effectiveSavingsRateNow(db),
      interruptions: await replacedBeforeTerminationRate(db, { since }),
    });
  }
  const now = clock.now();
  const accountId = accounts.find((a) => a.name === f.account)?.id;
  const rows = await savingsExport(db, { accountId, days: f.days, kind: f.kind }, now, CSV_MAX_ROWS);
  const scope = describeFilters(f);
  const stamp = now.toISOString().slice(0, 10);
  await enqueueFile(db, {
    channel: ctx.channelId,
    filename: `spotops-savings-${[f.account, f.kind, f.days ? `${f.days}d` : undefined, stamp].filter(Boolean).join('-')}.csv`,
    title: `spotops savings${scope ? ` (${scope})` : ''}, ${stamp}`,
    comment: `Savings per execution${scope ? ` (${scope})` : ''}: ${plural(rows.length, 'row')}, estimated and measured, requested by <@${ctx.userId}>.`,
    text: savingsCsv(rows),
  });
  return ephemeral(
    `Uploading ${plural(rows.length, 'row')} of savings${scope ? ` (${scope})` : ''} as a CSV file in this channel.${rows.length === CSV_MAX_ROWS ? ` That is the limit: narrow with an account, days or a kind for older rows.` : ''}`,
  );
};
