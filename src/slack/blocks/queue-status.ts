// `/spot status` with no id: the execution queue. Counts come from SQL aggregation; only the
// first few of each list are shown, so the message stays within Slack's limits with thousands
// queued.
import type { KnownBlock } from '@slack/types';
import { slackDate } from './format.js';
import { context, escapeMrkdwn, header, message, type SlackMessage, section, truncate } from './limits.js';

export interface QueueStatusItem {
  id: number;
  executor: string;
  account: string;
  region: string;
  priority: string;
  scheduledFor: Date;
  startedAt: Date | null;
  batchId: string | null;
  recommendationId: number | null;
}

export interface QueueStatusInput {
  running: number;
  queuedByPriority: { band: string; n: number }[];
  scheduledLater: number;
  runningTop: QueueStatusItem[];
  queuedTop: QueueStatusItem[];
  nextScheduled: QueueStatusItem[];
  limits: { global: number; perAccount: number };
}

/** Items listed per section: three sections of 10 lines stay far below 3000 characters each. */
export const QUEUE_LIST_MAX = 10;

function itemLine(i: QueueStatusItem, when: string): string {
  const rec = i.recommendationId ? ` (#${i.recommendationId})` : '';
  const batch = i.batchId ? ` · batch ${escapeMrkdwn(i.batchId)}` : '';
  return truncate(
    `\`e${i.id}\`${rec} ${escapeMrkdwn(i.executor)} · ${escapeMrkdwn(i.account)} ${escapeMrkdwn(i.region)} · ${i.priority}${batch} · ${when}`,
    280,
  );
}

function list(title: string, total: number, items: QueueStatusItem[], when: (i: QueueStatusItem) => string) {
  const shown = items.slice(0, QUEUE_LIST_MAX);
  const more = total - shown.length;
  const lines = shown.map((i) => `• ${itemLine(i, when(i))}`);
  if (more > 0) lines.push(`_…and ${more} more_`);
  return section(`*${title}*\n${lines.join('\n')}`);
}

export function queueStatusMessage(q: QueueStatusInput): SlackMessage {
  const queued = q.queuedByPriority.reduce((a, b) => a + b.n, 0);
  const summary = `${q.running} running, ${queued} queued, ${q.scheduledLater} scheduled later`;
  const blocks: KnownBlock[] = [header('Execution queue')];
  if (q.running + queued + q.scheduledLater === 0) {
    blocks.push(section('Nothing is running or queued.'));
    blocks.push(context([`At most ${q.limits.global} run at once, ${q.limits.perAccount} per account.`]));
    return message('Execution queue: nothing is running or queued.', blocks);
  }
  const bands = q.queuedByPriority.filter((b) => b.n > 0).map((b) => `${b.n} ${b.band}`);
  blocks.push(section(`*${summary}*${bands.length ? `\nQueued by priority: ${bands.join(' · ')}` : ''}`));
  if (q.running > 0)
    blocks.push(
      list('Running', q.running, q.runningTop, (i) => `started ${slackDate(i.startedAt ?? i.scheduledFor)}`),
    );
  if (queued > 0) blocks.push(list('Next in line', queued, q.queuedTop, () => 'due now'));
  if (q.scheduledLater > 0)
    blocks.push(
      list('Scheduled', q.scheduledLater, q.nextScheduled, (i) => `runs ${slackDate(i.scheduledFor)}`),
    );
  blocks.push(
    context([
      `At most ${q.limits.global} run at once, ${q.limits.perAccount} per account · \`/spot schedule <id> <when> [priority]\` moves one · \`/spot status <id>\` for one card`,
    ]),
  );
  return message(`Execution queue: ${summary}`, blocks);
}
