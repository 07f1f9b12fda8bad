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
  /** Interruption warnings answered with a replacement, and how many were healthy in time. */
  interruptions?: { handled: number; replacedInTime: number; rate: number | null };
}

/** "Interruptions: 4 of 5 replaced before AWS reclaimed them (80%)", or null with none handled. */
export function replacementRateText(r: SavingsReportInput['interruptions']): string | null {
  if (!r || r.handled === 0 || r.rate === null) return null;
  return `Interruptions: ${r.replacedInTime} of ${r.handled} replaced before AWS reclaimed them (${Math.round(r.rate * 100)}%)`;
}

const ratioText = (r: number | null) => (r === null ? 'no estimate' : `${Math.round(r * 100)}% of estimate`);

export function esrText(esr: SavingsReportInput['esr']): string {
  if (esr.rate === null) return 'Effective Savings Rate: no priced running instance yet';
  const left = esr.unpriced > 0 ? `, ${plural(esr.unpriced, 'instance')} without a price left out` : '';
  return `Effective Savings Rate: ${(esr.rate * 100).toFixed(1)}% (${esr.scope}; ${plural(esr.pricedInstances, 'instance')}${left})`;
}

const esrLines = (input: SavingsReportInput): string[] => {
  const rate = replacementRateText(input.interruptions);
  return [escapeMrkdwn(esrText(input.esr)), ...(rate ? [rate] : [])];
};

export function savingsReport(input: SavingsReportInput): SlackMessage {
  const { rows } = input;
  const blocks: KnownBlock[] = [];
  if (rows.length === 0) {
    blocks.push(section('No measured savings yet: no live execution has been measured.'));
    blocks.push(context(esrLines(input)));
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
    context(esrLines(input)),
  );
  return message(`Savings: ${perMonth(measured)} measured of ${perMonth(est)} estimated`, blocks);
}
