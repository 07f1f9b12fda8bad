// One Shadow IT card per account + region: "12 untagged instances", paged like the waste cards,
// with each open instance's own Claim / Exempt / Terminate now buttons and each decided one's
// outcome. The deadline line says what happens when the grace period ends (per policy).
import type { Button, KnownBlock } from '@slack/types';
import { ACTIONS } from '../ids.js';
import { accountLabel, slackDate, who } from './format.js';
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
import {
  deadlineText,
  type ShadowItPolicy,
  type ShadowItState,
  shadowDecisionButtons,
} from './shadow-it-card.js';
import { encodeApproveAll, encodeId } from './values.js';

export type ShadowItemState =
  | ShadowItState
  | { kind: 'in-progress'; by: string; dryRun?: boolean }
  | { kind: 'failed'; error: string }
  | { kind: 'stale'; reason: string };

export interface ShadowItem {
  recommendationId: number;
  instance: { id: string; type: string; az?: string | null; launchedAt?: Date | null; name?: string | null };
  launchedBy: string | null;
  dueAt: Date | null;
  state: ShadowItemState;
}

export interface ShadowItGroupCardInput {
  groupKey: string;
  account: { name: string; awsAccountId?: string | null; environment: 'PROD' | 'LAB' };
  region: string;
  policy: ShadowItPolicy;
  missingTags: string[];
  items: ShadowItem[];
  offset?: number;
  pageSize?: number;
  now: Date;
}

export const SHADOW_PAGE_SIZE = 20;
const FIXED_BLOCKS = 5;
const MAX_PAGE_SIZE = Math.floor((SLACK_LIMITS.blocksPerMessage - FIXED_BLOCKS) / 2);

function stateText(s: ShadowItemState): string | null {
  switch (s.kind) {
    case 'open':
      return null;
    case 'claimed':
      return `:raising_hand: claimed by ${who(s.by)}: owner ${who(s.owner)}${s.team ? `, team ${escapeMrkdwn(s.team)}` : ''}`;
    case 'exempted':
      return `:shield: exempted by ${who(s.by)}: ${escapeMrkdwn(truncate(s.reason, 200))}`;
    case 'terminated':
      return `:wastebasket: terminated${s.by ? ` by ${who(s.by)}` : ' after the grace period'}${s.snapshots.length ? ` (snapshots ${s.snapshots.map(escapeMrkdwn).join(', ')})` : ''}`;
    case 'stopped':
      return `:double_vertical_bar: stopped${s.by ? ` by ${who(s.by)}` : ' after the grace period'}`;
    case 'gone':
      return ':broom: gone: no longer running';
    case 'in-progress':
      return `:gear: approved by ${who(s.by)}${s.dryRun ? ' (dry run)' : ''}, in progress…`;
    case 'failed':
      return `:x: failed: ${escapeMrkdwn(truncate(s.error, 300))}`;
    case 'stale':
      return `:warning: no longer valid: ${escapeMrkdwn(truncate(s.reason, 300))}`;
  }
}

function itemBlocks(item: ShadowItem, input: ShadowItGroupCardInput): KnownBlock[] {
  const { instance } = item;
  const id = encodeId(item.recommendationId);
  const name = instance.name ? `${escapeMrkdwn(truncate(instance.name, 100))} (${instance.id})` : instance.id;
  const head = `*${name}* · ${escapeMrkdwn(instance.type)} · ${instance.az ? escapeMrkdwn(instance.az) : input.region}\nlaunched ${instance.launchedAt ? slackDate(instance.launchedAt) : 'at an unknown time'} by ${item.launchedBy ? who(item.launchedBy) : '_unknown_'}`;
  const state = stateText(item.state);
  if (state !== null) return [section(`${head}\n${state}`)];
  return [
    section(`${head}\n${deadlineText({ policy: input.policy, dueAt: item.dueAt, now: input.now })}`),
    ...actions(shadowDecisionButtons(instance.id, id)),
  ];
}

export function shadowItGroupCard(input: ShadowItGroupCardInput): SlackMessage {
  const { items } = input;
  const pageSize = Math.max(1, Math.min(input.pageSize ?? SHADOW_PAGE_SIZE, MAX_PAGE_SIZE));
  const offset = Math.max(0, Math.min(input.offset ?? 0, Math.max(0, items.length - 1)));
  const page = items.slice(offset, offset + pageSize);
  const open = items.filter((i) => i.state.kind === 'open').length;
  const noun = items.length === 1 ? 'untagged instance' : 'untagged instances';
  const blocks: KnownBlock[] = [header(`${items.length} ${noun}`)];
  blocks.push(
    context([
      `Account ${accountLabel(input.account)} · ${input.account.environment} · ${input.region}`,
      open === items.length ? 'All awaiting a decision' : `${open} open · ${items.length - open} decided`,
    ]),
  );
  const tags = input.missingTags.map((t) => `\`${escapeMrkdwn(t)}\``).join(', ');
  blocks.push(
    context([`Launched without any of: ${tags || '-'}. Claim it, exempt it, or let the policy act.`]),
  );
  for (const item of page) blocks.push(...itemBlocks(item, input));
  const footer: Button[] = [];
  // Approve all runs the policy's action now on every open instance; a notify policy decides per instance.
  if (open > 0 && input.policy !== 'notify') {
    const verb = input.policy === 'stop' ? 'Stop' : 'Terminate';
    footer.push(
      button({
        text: `${verb} all ${open} open`,
        actionId: ACTIONS.approveAll,
        value: encodeApproveAll(input.groupKey),
        style: 'danger',
        confirm: {
          title: `${verb} ${open} instance${open === 1 ? '' : 's'}?`,
          text: `Every open instance in this group (all pages) in ${escapeMrkdwn(input.account.name)} ${input.region}, as one batch${input.policy === 'terminate' ? ', snapshots first' : ''}. Each is checked again before it is touched.`,
          confirm: `${verb} all`,
          danger: true,
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
  const fallback = `${items.length} ${noun} in ${escapeMrkdwn(input.account.name)} ${input.region} (${open} awaiting a decision)`;
  return message(fallback, blocks);
}
