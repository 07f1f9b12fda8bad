// One message per waste group (account + region + kind): "7 unattached EBS volumes, $84.10/month".
// Each item carries its own Approve / Ignore (or its final state), the group has Approve all, and
// groups too large for one message (50 blocks) are paged with Show next.
import type { Button, KnownBlock } from '@slack/types';
import { ACTIONS } from '../ids.js';
import { accountLabel, money, perMonth, plural, slackDate, who } from './format.js';
import { groupPaging } from './group-pages.js';
import {
  actions,
  button,
  context,
  escapeMrkdwn,
  header,
  message,
  SLACK_LIMITS,
  type SlackMessage,
  section,
  truncate,
} from './limits.js';
import { encodeApproveAll, encodeId } from './values.js';

export type WasteItemState =
  | { kind: 'open'; scheduled?: ScheduledWish | null; approvals?: string | null }
  | { kind: 'superseded' }
  | {
      kind: 'in-progress';
      by: string;
      dryRun?: boolean;
      /** Approved, not started yet: when it runs (absent: running or due now), and Cancel until then. */
      executionId?: number;
      runsAt?: Date | null;
      waitReason?: string | null;
      auto?: boolean;
    }
  | {
      kind: 'done';
      by: string;
      dryRun?: boolean;
      /** Rollback offered while undo data exists. */
      executionId?: number;
      canRollback?: boolean;
      note?: string | null;
    }
  | { kind: 'failed'; error: string }
  | { kind: 'stale'; reason: string }
  | { kind: 'ignored'; by: string }
  | { kind: 'rolled-back'; by: string }
  | { kind: 'resolved' };

/** A time and priority asked for before approval (`/spot schedule`, the Schedule button). */
export interface ScheduledWish {
  at: Date;
  priority: string;
}

export interface WasteItem {
  recommendationId: number;
  title: string;
  /** One line of evidence: "unattached since 2026-01-02 (12 days), 100 GiB gp2". */
  evidence: string;
  monthlySavingsUsd: number;
  state: WasteItemState;
}

export interface WasteGroupCardInput {
  /** Short key naming the group (see values.ts wasteGroupKey). */
  groupKey: string;
  account: { name: string; awsAccountId?: string | null };
  region: string;
  /** How to talk about the items: { singular: 'unattached EBS volume', plural: ..., doneVerb: 'deleted' }. */
  labels: { singular: string; plural: string; doneVerb: string };
  items: WasteItem[];
  /** First item shown (from a Show next click). */
  offset?: number;
  pageSize?: number;
  /** Safety line: "Snapshot taken before delete", "No backup: addresses cannot be reclaimed". */
  note?: string | null;
  /** Approval risk and who may approve (mrkdwn, mentions), apart from any interruption risk. */
  approval?: string | null;
  now: Date;
}

export const WASTE_PAGE_SIZE = 20;
// header + summary context + note + footer context + footer actions
const FIXED_BLOCKS = 5;
// An open item is a section + its actions block.
const MAX_BLOCKS_PER_ITEM = 2;
const MAX_PAGE_SIZE = Math.floor((SLACK_LIMITS.blocksPerMessage - FIXED_BLOCKS) / MAX_BLOCKS_PER_ITEM);

const ITEM_TITLE_MAX = 200;
const ITEM_EVIDENCE_MAX = 600;

export function isOpen(item: WasteItem): boolean {
  return item.state.kind === 'open';
}

function stateText(s: WasteItemState, doneVerb: string): string | null {
  switch (s.kind) {
    case 'open':
      return null;
    case 'superseded':
      return ':arrows_counterclockwise: superseded by a newer recommendation; its approvals no longer count';
    case 'in-progress': {
      const by = s.auto ? 'auto-approved by the account policy' : `approved by ${who(s.by)}`;
      if (s.runsAt) {
        const wait = s.waitReason ? ` (waiting: ${escapeMrkdwn(s.waitReason.split(';')[0]!)})` : '';
        return `:hourglass_flowing_sand: ${by}${s.dryRun ? ' (dry run)' : ''}, runs ${slackDate(s.runsAt)}${wait}`;
      }
      return `:gear: ${by}${s.dryRun ? ' (dry run)' : ''}, in progress…`;
    }
    case 'done':
      return s.dryRun
        ? `:test_tube: dry run: would have been ${escapeMrkdwn(doneVerb)} (approved by ${who(s.by)})`
        : `:white_check_mark: ${escapeMrkdwn(doneVerb)} by ${who(s.by)}${s.note ? ` · ${escapeMrkdwn(s.note)}` : ''}`;
    case 'failed':
      return `:x: failed: ${escapeMrkdwn(s.error)}`;
    case 'stale':
      return `:warning: no longer valid: ${escapeMrkdwn(s.reason)}`;
    case 'ignored':
      return `:see_no_evil: ignored by ${who(s.by)}`;
    case 'rolled-back':
      return `:leftwards_arrow_with_hook: rolled back by ${who(s.by)}`;
    case 'resolved':
      return ':broom: gone: not seen by the last scan';
  }
}

function itemBlocks(item: WasteItem, doneVerb: string): KnownBlock[] {
  const id = encodeId(item.recommendationId);
  const title = escapeMrkdwn(truncateLine(item.title, ITEM_TITLE_MAX));
  const evidence = escapeMrkdwn(truncateLine(item.evidence, ITEM_EVIDENCE_MAX));
  const head = `*${title}* · ${perMonth(item.monthlySavingsUsd)}\n${evidence}`;
  const state = stateText(item.state, doneVerb);
  const s = item.state;
  const schedule = button({ text: 'Schedule…', actionId: ACTIONS.schedule, value: id });
  if (state === null) {
    const wish =
      s.kind === 'open' && s.scheduled
        ? `\n:calendar: once approved, runs ${slackDate(s.scheduled.at)} (${s.scheduled.priority} priority)`
        : '';
    const approvals = s.kind === 'open' && s.approvals ? `\n:lock: ${s.approvals}` : '';
    return [
      section(`${head}${wish}${approvals}`),
      ...actions([
        button({ text: 'Approve', actionId: ACTIONS.approve, value: id, style: 'primary' }),
        button({ text: 'Ignore', actionId: ACTIONS.ignore, value: id }),
        schedule,
      ]),
    ];
  }
  if (s.kind === 'in-progress' && s.runsAt && s.executionId !== undefined) {
    return [
      section(`${head}\n${state}`),
      ...actions([
        schedule,
        button({
          text: 'Cancel',
          actionId: ACTIONS.cancelExecution,
          value: encodeId(s.executionId),
          confirm: {
            title: 'Cancel?',
            text: `It will not run: ${title}`,
            confirm: 'Cancel it',
            danger: true,
          },
        }),
      ]),
    ];
  }
  if (s.kind === 'done' && !s.dryRun && s.canRollback && s.executionId !== undefined) {
    return [
      section(`${head}\n${state}`),
      ...actions([
        button({
          text: 'Roll back',
          actionId: ACTIONS.rollback,
          value: encodeId(s.executionId),
          confirm: { title: 'Roll back?', text: `Undo: ${title}`, confirm: 'Roll back', danger: true },
        }),
      ]),
    ];
  }
  return [section(`${head}\n${state}`)];
}

/** Item titles and evidence are one line each, whatever the scanner put in them. */
function truncateLine(s: string, max: number): string {
  return truncate(s.replace(/\s+/g, ' ').trim(), max);
}

export function wasteGroupCard(input: WasteGroupCardInput): SlackMessage {
  const { items, labels } = input;
  const pageSize = Math.max(1, Math.min(input.pageSize ?? WASTE_PAGE_SIZE, MAX_PAGE_SIZE));
  const offset = Math.max(0, Math.min(input.offset ?? 0, Math.max(0, items.length - 1)));
  const page = items.slice(offset, offset + pageSize);
  const open = items.filter(isOpen);
  const total = items.reduce((sum, i) => sum + i.monthlySavingsUsd, 0);
  const openTotal = open.reduce((sum, i) => sum + i.monthlySavingsUsd, 0);
  const noun = items.length === 1 ? labels.singular : labels.plural;
  const title = `${items.length} ${noun}, ${perMonth(total)}`;

  const blocks: KnownBlock[] = [header(title)];
  blocks.push(
    context([
      `Account ${accountLabel(input.account)} · ${input.region}`,
      open.length === items.length
        ? 'All awaiting a decision'
        : `${open.length} open (${money(openTotal)}/month) · ${items.length - open.length} decided`,
    ]),
  );
  if (input.note) blocks.push(context([`:information_source: ${escapeMrkdwn(input.note)}`]));
  if (input.approval) blocks.push(context([input.approval]));
  for (const item of page) blocks.push(...itemBlocks(item, labels.doneVerb));

  const footer: Button[] = [];
  if (open.length > 0) {
    footer.push(
      button({
        text: `Approve all ${open.length} open`,
        actionId: ACTIONS.approveAll,
        value: encodeApproveAll(input.groupKey),
        style: 'primary',
        confirm: {
          title: `Approve ${plural(open.length, labels.singular, labels.plural)}?`,
          text: `Every open item in this group (all pages), ${perMonth(openTotal)} in total, in ${escapeMrkdwn(input.account.name)} ${input.region}. Each is re-validated before it runs.`,
          confirm: 'Approve all',
        },
      }),
    );
  }
  const paging = groupPaging({
    groupKey: input.groupKey,
    offset,
    shown: page.length,
    total: items.length,
    pageSize,
  });
  if (paging.button) footer.push(paging.button);
  if (paging.line) blocks.push(paging.line);
  blocks.push(...actions(footer));

  const fallback = `${items.length} ${noun} in ${escapeMrkdwn(input.account.name)} ${input.region}, ${perMonth(total)} (${open.length} awaiting approval)`;
  return message(fallback, blocks);
}
