// `/spot history`, `/spot status <id>` and `/spot savings`: short reports as ephemeral messages.
import type { KnownBlock } from '@slack/types';
import type { ExecutionStatus, RecommendationStatus } from '../../db/schema.js';
import { money, perMonth, plural, slackDate, who } from './format.js';
import { context, escapeMrkdwn, header, message, type SlackMessage, section, truncate } from './limits.js';

export interface HistoryItem {
  id: number;
  title: string;
  status: ExecutionStatus;
  dryRun: boolean;
  approvedBy: string | null;
  summary: string | null;
  error: string | null;
  at: Date;
}

const line = (h: HistoryItem & { account?: string }) =>
  `*#${h.id}* ${escapeMrkdwn(truncate(h.title, 200))}${h.account ? ` · ${escapeMrkdwn(h.account)}` : ''}\n${h.status}${h.dryRun ? ' (dry run)' : ''} · approved by ${who(h.approvedBy)} · ${slackDate(h.at)}${
    h.error
      ? `\n:x: ${escapeMrkdwn(truncate(h.error, 500))}`
      : h.summary
        ? `\n${escapeMrkdwn(truncate(h.summary, 500))}`
        : ''
  }`;

/** Executions shown per answer; the rest is counted in an "N more" line. */
export const HISTORY_PAGE = 20;

export interface HistoryInput {
  items: (HistoryItem & { account?: string })[];
  /** How many executions match the filters in all. */
  total: number;
  /** "lab · last 7 days · spot-lab"; empty without filters. */
  filters: string;
}

export function historyMessage(input: HistoryInput): SlackMessage {
  const { items, total, filters } = input;
  const scope = filters ? ` (${escapeMrkdwn(filters)})` : '';
  if (items.length === 0) {
    if (!filters)
      return message('No executions yet.', [section('No executions yet: nothing has been approved.')]);
    return message(`No executions match${scope}.`, [
      section(`No executions match${scope}: try more days, or no filter at all.`),
    ]);
  }
  const shown = items.slice(0, HISTORY_PAGE);
  const blocks: KnownBlock[] = [header(filters ? `Executions: ${filters}` : 'Recent executions')];
  for (const item of shown) blocks.push(section(line(item)));
  const more = total - shown.length;
  if (more > 0) {
    blocks.push(
      context([
        `${plural(more, 'more execution')} not shown: narrow with an account, a number of days or a kind, e.g. \`/spot history 7 spot-lab\`.`,
      ]),
    );
  }
  return message(
    filters ? `${plural(total, 'execution')}${scope}` : plural(total, 'recent execution'),
    blocks,
  );
}

export interface StatusInput {
  recommendationId: number;
  title: string;
  account: string;
  region: string;
  status: RecommendationStatus;
  monthlySavingsUsd: number;
  firstSeenAt: Date;
  executions: HistoryItem[];
  /** Link to the card, when it was posted. */
  permalink?: string | null;
}

export function statusMessage(s: StatusInput): SlackMessage {
  const blocks: KnownBlock[] = [
    section(
      `*#${s.recommendationId}* ${escapeMrkdwn(s.title)}\n*${s.status}* · ${escapeMrkdwn(s.account)} ${s.region} · ${perMonth(
        s.monthlySavingsUsd,
      )} · found ${slackDate(s.firstSeenAt)}`,
    ),
  ];
  for (const e of s.executions.slice(0, 10)) blocks.push(section(line(e)));
  if (s.executions.length === 0) blocks.push(context(['No execution yet.']));
  return message(`#${s.recommendationId}: ${s.status}`, blocks);
}

export interface SavingsLine {
  label: string;
  executions: number;
  estimatedMonthlyUsd: number;
  actualMonthlyUsd: number;
}

export function savingsMessage(rows: SavingsLine[]): SlackMessage {
  if (rows.length === 0) {
    return message('No savings yet.', [section('No savings yet: no live execution has succeeded.')]);
  }
  const est = rows.reduce((n, r) => n + r.estimatedMonthlyUsd, 0);
  const act = rows.reduce((n, r) => n + r.actualMonthlyUsd, 0);
  const blocks: KnownBlock[] = [
    header(`Savings: ${perMonth(act)} realised`),
    context([
      `Estimated on the cards: ${perMonth(est)} · ${est > 0 ? `${Math.round((act / est) * 100)}% realised` : ''}`,
    ]),
    section(
      rows
        .slice(0, 30)
        .map(
          (r) =>
            `*${escapeMrkdwn(r.label)}*: ${money(r.actualMonthlyUsd)} of ${money(r.estimatedMonthlyUsd)}/month (${plural(r.executions, 'execution')})`,
        )
        .join('\n'),
    ),
  ];
  return message(`Savings: ${perMonth(act)} realised of ${perMonth(est)} estimated`, blocks);
}
