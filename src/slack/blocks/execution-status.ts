// The execution status shown in place after an approval: state, approver, summary or error, and
// Roll back while undo data exists. `withExecutionStatus` swaps a card's buttons (recommendation,
// Shadow IT) for these blocks, so the card itself becomes the record of what happened.
import type { KnownBlock } from '@slack/types';
import type { ExecutionStatus } from '../../db/schema.js';
import { clipLine } from '../../lib/errors.js';
import { ACTIONS, BLOCKS } from '../ids.js';
import { slackDate, utc, who, whoPlain } from './format.js';
import { actions, button, context, escapeMrkdwn, message, type SlackMessage, section } from './limits.js';
import { encodeId } from './values.js';

/** Longest error or summary on a card line, cut at a word (a section holds 3000 characters). */
const MAX_DETAIL = 1200;

/** Executors end dry-run summaries with "(dry run)"; the rehearsal line says it once. */
const withoutDryRunSuffix = (s: string) => s.replace(/\s*\(dry run\)\s*$/i, '');

export interface ExecutionStatusInput {
  executionId: number;
  status: ExecutionStatus;
  dryRun: boolean;
  approvedBy?: string | null;
  /** The executor's one-line result ("Released eipalloc-1 (52.1.2.3)"). */
  summary?: string | null;
  error?: string | null;
  /** Undo data is stored and the executor can roll back. */
  canRollback: boolean;
  /** The executor's note when rollback is absent or limited. */
  rollbackNote?: string | null;
  rolledBackBy?: string | null;
  /** When the execution reached this status. */
  at: Date;
  /** Approved but not started: when it is due (a cancel window, a maintenance window). */
  runsAt?: Date | null;
  /** Why it waits (change freeze, maintenance windows), from the run gate. */
  waitReason?: string | null;
  autoApproved?: boolean;
}

const IN_FLIGHT: readonly ExecutionStatus[] = ['approved', 'validating', 'executing', 'verifying'];
const NO_NOTE: readonly ExecutionStatus[] = ['failed', 'stale', 'rolled_back', 'rolling_back', 'cancelled'];

/** One mrkdwn line: icon, state, who approved, and the summary or error. */
export function executionStatusText(e: ExecutionStatusInput): string {
  const by = e.approvedBy ? ` by ${who(e.approvedBy)}` : '';
  // A dry run is a rehearsal: no green tick, no "succeeded", and "(dry run)" said once.
  const dry = e.dryRun ? ' for a rehearsal (dry run)' : '';
  const detail = (s: string) =>
    `: ${escapeMrkdwn(clipLine(e.dryRun ? withoutDryRunSuffix(s) : s, MAX_DETAIL))}`;
  const summary = e.summary ? detail(e.summary) : '';
  const error = e.error ? detail(e.error) : '';
  switch (e.status) {
    case 'pending':
    case 'awaiting_approval':
      return `:hourglass: Waiting for approval${dry}`;
    case 'approved': {
      const approved = e.autoApproved ? 'Auto-approved by the account policy' : `Approved${by}`;
      if (e.runsAt && e.runsAt > e.at) {
        const wait = e.waitReason ? ` (waiting: ${escapeMrkdwn(e.waitReason.split(';')[0]!)})` : '';
        return `:hourglass_flowing_sand: ${approved}${dry}, runs ${slackDate(e.runsAt)}${wait}; Cancel stops it`;
      }
      return `${e.dryRun ? ':test_tube:' : ':white_check_mark:'} ${approved}${dry}, queued`;
    }
    case 'validating':
      return `:mag: Approved${by}${dry}, validating…`;
    case 'executing':
      return `:gear: Approved${by}${dry}, ${e.dryRun ? 'rehearsing' : 'executing'}…`;
    case 'verifying':
      return `:gear: Approved${by}${dry}, verifying…`;
    case 'succeeded':
      return e.dryRun
        ? `:test_tube: Rehearsal only, nothing was changed (dry run)${summary} (approved${by})`
        : `:white_check_mark: Done${summary} (approved${by})`;
    case 'failed':
      return `:x: Failed${error || summary} (approved${by})`;
    case 'stale':
      return `:warning: No longer valid${error || summary}; nothing was changed`;
    case 'rolling_back':
      return `:leftwards_arrow_with_hook: Rolling back${summary}…`;
    case 'rolled_back':
      return `:leftwards_arrow_with_hook: Rolled back${e.rolledBackBy ? ` by ${who(e.rolledBackBy)}` : ''}${summary}`;
    case 'cancelled':
      return `:no_entry: Cancelled${error || summary}`;
  }
}

export function canOfferRollback(e: ExecutionStatusInput): boolean {
  return e.status === 'succeeded' && !e.dryRun && e.canRollback;
}

export function executionStatusBlocks(e: ExecutionStatusInput): KnownBlock[] {
  const blocks: KnownBlock[] = [section(executionStatusText(e))];
  const facts = [
    `Execution #${e.executionId}`,
    IN_FLIGHT.includes(e.status) ? `since ${slackDate(e.at)}` : slackDate(e.at),
  ];
  if (e.rollbackNote && !canOfferRollback(e) && !NO_NOTE.includes(e.status)) {
    facts.push(`:information_source: ${escapeMrkdwn(e.rollbackNote)}`);
  }
  blocks.push(context(facts));
  if (e.status === 'approved') {
    blocks.push(
      ...actions([
        button({
          text: 'Cancel',
          actionId: ACTIONS.cancelExecution,
          value: encodeId(e.executionId),
          style: 'danger',
          confirm: {
            title: 'Cancel this execution?',
            text: 'It will not run; the card asks for a decision again.',
            confirm: 'Cancel it',
            danger: true,
          },
        }),
      ]),
    );
  }
  if (canOfferRollback(e)) {
    blocks.push(
      ...actions([
        button({
          text: 'Roll back',
          actionId: ACTIONS.rollback,
          value: encodeId(e.executionId),
          confirm: {
            title: 'Roll back this change?',
            text: e.summary ? `Undo: ${escapeMrkdwn(e.summary)}` : 'Undo the change this execution made.',
            confirm: 'Roll back',
            danger: true,
          },
        }),
      ]),
    );
  }
  return blocks;
}

/** Plain text for the notification / thread reply: no mentions rendering needed. */
export function executionStatusFallback(e: ExecutionStatusInput): string {
  const state =
    e.dryRun && e.status === 'succeeded'
      ? 'rehearsed, nothing changed (dry run)'
      : `${e.status.replace('_', ' ')}${e.dryRun ? ' (dry run)' : ''}`;
  const by = e.approvedBy ? `, approved by ${whoPlain(e.approvedBy)}` : '';
  const raw = e.error ?? e.summary;
  const detail = raw ? clipLine(e.dryRun ? withoutDryRunSuffix(raw) : raw, MAX_DETAIL) : '';
  return `Execution #${e.executionId} ${state}${by}${detail ? `: ${escapeMrkdwn(detail)}` : ''} at ${utc(e.at)}`;
}

/** A standalone status message (thread reply, or `/spot status <id>`). */
export function executionStatusMessage(e: ExecutionStatusInput): SlackMessage {
  return message(executionStatusFallback(e), executionStatusBlocks(e));
}

/**
 * A single-target card (recommendation, Shadow IT) updated in place: its actions blocks (Approve /
 * Reject / Claim ...) are replaced by the status blocks. Waste group cards hold many items, so they
 * show each item's outcome through WasteItemState instead (with its own Roll back). Applying it again replaces the previous status, because the status is recognised
 * by its Roll back button or its marker context, so repeated updates never stack up.
 */
export function withExecutionStatus(card: SlackMessage, e: ExecutionStatusInput): SlackMessage {
  const kept = stripStatus(card.blocks).filter((b) => b.type !== 'actions');
  const base = card.text.split(STATUS_TEXT_SEPARATOR)[0] ?? card.text;
  return message(`${base}${STATUS_TEXT_SEPARATOR}${executionStatusFallback(e)}`, [
    ...kept,
    ...markStatus(executionStatusBlocks(e)),
  ]);
}

const STATUS_BLOCK_PREFIX = `${BLOCKS.executionStatus}_`;
const STATUS_TEXT_SEPARATOR = ' · status: ';

function markStatus(blocks: KnownBlock[]): KnownBlock[] {
  return blocks.map((b, i) => ({ ...b, block_id: `${STATUS_BLOCK_PREFIX}${i}` }));
}

function stripStatus(blocks: KnownBlock[]): KnownBlock[] {
  return blocks.filter((b) => !(b.block_id ?? '').startsWith(STATUS_BLOCK_PREFIX));
}
