// The daily digest: open findings per kind, the biggest items, and savings realised against
// what the cards estimated. Totals add up: the kinds listed plus the "more kinds" line make the
// open total, and a figure that contains upper bounds (snapshots priced at their volume's
// size) says "up to". The savings chart is uploaded beside it (jobs/digest.ts).
import type { KnownBlock } from '@slack/types';
import { money, perMonth, plural, utcDate } from './format.js';
import {
  context,
  divider,
  escapeMrkdwn,
  fields,
  header,
  message,
  type SlackMessage,
  section,
} from './limits.js';
import { replacementRateText } from './measured-savings.js';

export interface DigestInput {
  /** The day the digest covers. */
  day: Date;
  /** The day as the digest's time zone names it (YYYY-MM-DD); UTC when absent. */
  dayLabel?: string;
  perKind: {
    label: string;
    count: number;
    newToday: number;
    monthlySavingsUsd: number;
    /** Part of monthlySavingsUsd that is an upper bound. */
    upperBoundMonthlyUsd?: number;
  }[];
  topItems: {
    recommendationId: number;
    title: string;
    account: string;
    region: string;
    monthlySavingsUsd: number;
  }[];
  savings: {
    realisedMonthlyUsd: number;
    estimatedMonthlyUsd: number;
    executions: number;
    failed: number;
    /** FinOps Effective Savings Rate (run rate over the inventory), 0..1; null/absent = unknown. */
    effectiveSavingsRate?: number | null;
    /** Part of the open findings' total that is an upper bound (snapshots priced at volume size). */
    upperBoundMonthlyUsd?: number;
  };
  shadowIt?: { open: number; dueWithin24h: number } | null;
  poisonedPools?: number;
  /** A savings chart is uploaded with the message, covering this many days. */
  chartDays?: number;
  /** Interruption warnings answered with a replacement over the period, and how many in time. */
  interruptions?: { handled: number; replacedInTime: number; rate: number | null };
}

const MAX_KINDS = 10;
const MAX_TOP = 10;

export function digest(input: DigestInput): SlackMessage {
  const day = input.dayLabel ?? utcDate(input.day);
  const openCount = input.perKind.reduce((n, k) => n + k.count, 0);
  const openUsd = input.perKind.reduce((n, k) => n + k.monthlySavingsUsd, 0);
  const { savings } = input;
  const bound = savings.upperBoundMonthlyUsd ?? 0;
  const openMoney = `${bound > 0 ? 'up to ' : ''}${perMonth(openUsd)}`;
  const ratio =
    savings.estimatedMonthlyUsd > 0
      ? Math.round((savings.realisedMonthlyUsd / savings.estimatedMonthlyUsd) * 100)
      : null;

  const blocks: KnownBlock[] = [header(`Daily digest, ${day}`)];
  blocks.push(
    fields([
      `*Open findings*\n${openCount} · ${openMoney}${bound > 0 ? ` (${perMonth(bound)} of it an upper bound)` : ''}`,
      `*Executions*\n${savings.executions}${savings.failed > 0 ? ` (${savings.failed} failed)` : ''}`,
      `*Savings measured*\n${perMonth(savings.realisedMonthlyUsd)}${savings.effectiveSavingsRate != null ? ` · ESR ${(savings.effectiveSavingsRate * 100).toFixed(1)}%` : ''}`,
      `*Estimated*\n${perMonth(savings.estimatedMonthlyUsd)}${ratio === null ? '' : ` (${ratio}% measured)`}`,
    ]),
  );

  if (input.perKind.length > 0) {
    const sorted = [...input.perKind].sort((a, b) => b.monthlySavingsUsd - a.monthlySavingsUsd);
    const kindMoney = (usd: number, ub: number | undefined) => `${ub ? 'up to ' : ''}${perMonth(usd)}`;
    const lines = sorted
      .slice(0, MAX_KINDS)
      .map(
        (k) =>
          `• ${escapeMrkdwn(k.label)}: ${k.count}${k.newToday > 0 ? ` (+${k.newToday} new)` : ''} · ${kindMoney(k.monthlySavingsUsd, k.upperBoundMonthlyUsd)}`,
      );
    const rest = sorted.slice(MAX_KINDS);
    if (rest.length > 0) {
      const usd = rest.reduce((n, k) => n + k.monthlySavingsUsd, 0);
      const ub = rest.reduce((n, k) => n + (k.upperBoundMonthlyUsd ?? 0), 0);
      lines.push(
        `• ${plural(rest.length, 'more kind')}: ${rest.reduce((n, k) => n + k.count, 0)} · ${kindMoney(usd, ub)}`,
      );
    }
    blocks.push(section(`*By kind*\n${lines.join('\n')}`));
  } else {
    blocks.push(section('*By kind*\nNothing open. :sparkles:'));
  }

  if (input.topItems.length > 0) {
    const lines = [...input.topItems]
      .sort((a, b) => b.monthlySavingsUsd - a.monthlySavingsUsd)
      .slice(0, MAX_TOP)
      .map(
        (t, i) =>
          `${i + 1}. ${escapeMrkdwn(t.title)} · ${escapeMrkdwn(t.account)} ${t.region} · *${money(t.monthlySavingsUsd)}*/month (#${t.recommendationId})`,
      );
    blocks.push(divider(), section(`*Top items*\n${lines.join('\n')}`));
  }

  const facts: string[] = [];
  if (input.shadowIt) {
    facts.push(
      `:detective: ${plural(input.shadowIt.open, 'untagged instance')}, ${input.shadowIt.dueWithin24h} reaching the deadline within 24 h`,
    );
  }
  if (input.poisonedPools !== undefined)
    facts.push(`:skull: ${plural(input.poisonedPools, 'poisoned Spot pool')}`);
  if (input.chartDays)
    facts.push(
      `:chart_with_upwards_trend: Savings over the last ${input.chartDays} days in the chart below.`,
    );
  const replaced = replacementRateText(input.interruptions);
  if (replaced) facts.push(`:ambulance: ${replaced}`);
  facts.push('Use `/spot waste`, `/spot shadow`, `/spot history` or `/spot savings csv` for details.');
  blocks.push(context(facts));

  return message(
    `Daily digest ${day}: ${openCount} open findings (${openMoney}), ${perMonth(savings.realisedMonthlyUsd)} realised of ${perMonth(savings.estimatedMonthlyUsd)} estimated`,
    blocks,
  );
}
