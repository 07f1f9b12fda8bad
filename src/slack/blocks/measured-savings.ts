// `/spot savings`: per kind, what the cards estimated against what was measured after the
// execution (with the ratio), money saved so far, and the Effective Savings Rate with its scope.
import type { KnownBlock } from '@slack/types';
import { money, perMonth, plural } from './format.js';
import { context, escapeMrkdwn, header, message, type SlackMessage, section } from './limits.js';

export interface MeasuredSavingsLine {
  label: string;
  executions: number;
  estimatedMonthlyUsd: number;
  measuredMonthlyUsd: number;
  savedUsd: number;
  ratio: number | null;
}

export interface SavingsReportInput {
  rows: MeasuredSavingsLine[];
  esr: { rate: number | null; scope: string; pricedInstances: number; unpriced: number };
}

const ratioText = (r: number | null) => (r === null ? 'no estimate' : `${Math.round(r * 100)}% of estimate`);

export function esrText(esr: SavingsReportInput['esr']): string {
  if (esr.rate === null) return 'Effective Savings Rate: no priced running instance yet';
  const left = esr.unpriced > 0 ? `, ${plural(esr.unpriced, 'instance')} without a price left out` : '';
  return `Effective Savings Rate: ${(esr.rate * 100).toFixed(1)}% (${esr.scope}; ${plural(esr.pricedInstances, 'instance')}${left})`;
}

export function savingsReport(input: SavingsReportInput): SlackMessage {
  const { rows } = input;
  const blocks: KnownBlock[] = [];
  if (rows.length === 0) {
    blocks.push(section('No measured savings yet: no live execution has been measured.'));
    blocks.push(context([escapeMrkdwn(esrText(input.esr))]));
    return message('No measured savings yet.', blocks);
  }
  const est = rows.reduce((n, r) => n + r.estimatedMonthlyUsd, 0);
  const measured = rows.reduce((n, r) => n + r.measuredMonthlyUsd, 0);
  const saved = rows.reduce((n, r) => n + r.savedUsd, 0);
  const ratio = est > 0 ? measured / est : null;
  blocks.push(
    header(`Savings: ${perMonth(measured)} measured`),
    context([
      `Estimated on the cards: ${perMonth(est)} · measured ${ratioText(ratio)} · ${money(saved)} saved so far`,
    ]),
    section(
      rows
        .slice(0, 30)
        .map(
          (r) =>
            `*${escapeMrkdwn(r.label)}*: measured ${money(r.measuredMonthlyUsd)} vs estimated ${money(r.estimatedMonthlyUsd)}/month (${ratioText(r.ratio)}) · ${money(r.savedUsd)} saved · ${plural(r.executions, 'execution')}`,
        )
        .join('\n'),
    ),
    context([escapeMrkdwn(esrText(input.esr))]),
  );
  return message(`Savings: ${perMonth(measured)} measured of ${perMonth(est)} estimated`, blocks);
}
