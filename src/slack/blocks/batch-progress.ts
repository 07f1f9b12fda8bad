// The one progress message of a batch approval, updated in place as its executions finish:
// "12/40 done, 1 failed, 27 queued". Pure: the relay renders it from the database at delivery.
import type { KnownBlock } from '@slack/types';
import { who } from './format.js';
import { context, escapeMrkdwn, message, type SlackMessage, section, truncate } from './limits.js';

export interface BatchProgressInput {
  batchId: string;
  description: string;
  requestedBy: string;
  /** "parallel: up to 4 at once, stops after 1 failure" */
  settings: string;
  counts: {
    total: number;
    succeeded: number;
    failed: number;
    skipped: number;
    cancelled: number;
    running: number;
    queued: number;
  };
  stopReason: string | null;
  /** Earliest scheduled time of a queued item that waits for its time, if any. */
  nextAt?: Date | null;
}

/** "12/40 done, 1 failed, 2 running, 25 queued" (zero parts other than failed and queued left out). */
export function batchProgressLine(c: BatchProgressInput['counts']): string {
  const parts = [`${c.succeeded}/${c.total} done`, `${c.failed} failed`];
  if (c.skipped > 0) parts.push(`${c.skipped} no longer valid`);
  if (c.running > 0) parts.push(`${c.running} running`);
  parts.push(`${c.queued} queued`);
  if (c.cancelled > 0) parts.push(`${c.cancelled} cancelled`);
  return parts.join(', ');
}

export function batchProgressMessage(input: BatchProgressInput): SlackMessage {
  const c = input.counts;
  const line = batchProgressLine(c);
  const finished = c.queued + c.running === 0;
  const icon = input.stopReason
    ? ':octagonal_sign:'
    : finished
      ? c.failed > 0
        ? ':warning:'
        : ':white_check_mark:'
      : ':gear:';
  const blocks: KnownBlock[] = [
    section(`${icon} *Batch ${input.batchId}*: ${escapeMrkdwn(truncate(input.description, 300))}\n*${line}*`),
  ];
  if (input.stopReason) {
    blocks.push(
      section(
        `Stopped: ${escapeMrkdwn(input.stopReason)}. The ${c.cancelled} item${c.cancelled === 1 ? '' : 's'} still queued ${c.cancelled === 1 ? 'was' : 'were'} cancelled and ${c.cancelled === 1 ? 'is' : 'are'} open again on ${c.cancelled === 1 ? 'its card' : 'their cards'}.`,
      ),
    );
  } else if (finished) {
    blocks.push(section(c.failed > 0 ? 'Finished, with failures: see the cards for each.' : 'Finished.'));
  }
  blocks.push(
    context([
      `Approved by ${who(input.requestedBy)}`,
      escapeMrkdwn(input.settings),
      ...(input.nextAt && !finished
        ? [`next scheduled item: ${input.nextAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`]
        : []),
    ]),
  );
  return message(
    `Batch ${input.batchId}: ${line}${input.stopReason ? ` (stopped: ${input.stopReason})` : ''}`,
    blocks,
  );
}
