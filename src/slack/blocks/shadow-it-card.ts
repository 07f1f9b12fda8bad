// The Shadow IT warning for one instance: who launched it, what it is, which authorising tags are
// missing, and a live deadline rendered in the reader's time zone (terminate / stop / notify only,
// per the account's policy). Claim / Exempt / Terminate now while open; the outcome once decided.
import type { Button, KnownBlock } from '@slack/types';
import { ACTIONS } from '../ids.js';
import { accountLabel, relative, slackDate, slackDay, utc, who } from './format.js';
import {
  actions,
  button,
  context,
  escapeMrkdwn,
  fields,
  header,
  message,
  type SlackMessage,
  section,
} from './limits.js';
import { encodeId } from './values.js';

export type ShadowItPolicy = 'terminate' | 'stop' | 'notify';

export type ShadowItState =
  | { kind: 'open' }
  | { kind: 'claimed'; by: string; owner: string; team?: string | null }
  | { kind: 'exempted'; by: string; reason: string; until?: Date | null }
  | { kind: 'terminated'; by?: string | null; snapshots: string[] }
  | { kind: 'stopped'; by?: string | null }
  | { kind: 'gone' };

export interface ShadowItCardInput {
  recommendationId: number;
  account: { name: string; awsAccountId?: string | null; environment: 'PROD' | 'LAB' };
  region: string;
  instance: { id: string; type: string; az?: string | null; launchedAt?: Date | null; name?: string | null };
  /** IAM principal from CloudTrail, or a Slack user; null when nobody could be found. */
  launchedBy: string | null;
  missingTags: string[];
  policy: ShadowItPolicy;
  /** End of the grace period. */
  dueAt: Date | null;
  state: ShadowItState;
  now: Date;
}

export function deadlineText(input: Pick<ShadowItCardInput, 'policy' | 'dueAt' | 'now'>): string {
  const { policy, dueAt, now } = input;
  if (policy === 'notify' || !dueAt) return ':bell: Notify only: nothing will be done automatically';
  const verb = policy === 'terminate' ? 'Terminates' : 'Will be stopped';
  if (dueAt <= now) {
    return `:alarm_clock: Grace period over: ${policy === 'terminate' ? 'terminating' : 'stopping'} shortly unless claimed`;
  }
  return `:alarm_clock: ${verb} ${slackDate(dueAt)} (${relative(dueAt, now)}) unless claimed`;
}

function stateText(s: ShadowItState): string | null {
  switch (s.kind) {
    case 'open':
      return null;
    case 'claimed':
      return `:raising_hand: Claimed by ${who(s.by)}: owner ${who(s.owner)}${s.team ? `, team ${escapeMrkdwn(s.team)}` : ''}`;
    case 'exempted':
      return `:shield: Exempted by ${who(s.by)}${s.until ? ` until ${slackDay(s.until)}` : ' with no expiry'}: ${escapeMrkdwn(s.reason)}`;
    case 'terminated': {
      const snaps =
        s.snapshots.length > 0
          ? `snapshots ${s.snapshots.map(escapeMrkdwn).join(', ')}`
          : 'no volumes to snapshot';
      return `:wastebasket: Terminated${s.by ? ` by ${who(s.by)}` : ' after the grace period'} (${snaps})`;
    }
    case 'stopped':
      return `:double_vertical_bar: Stopped${s.by ? ` by ${who(s.by)}` : ' after the grace period'}`;
    case 'gone':
      return ':broom: Gone: no longer running';
  }
}

export function shadowItCard(input: ShadowItCardInput): SlackMessage {
  const { instance, account, region, state } = input;
  const id = encodeId(input.recommendationId);
  const name = instance.name ? `${escapeMrkdwn(instance.name)} (${instance.id})` : instance.id;
  const blocks: KnownBlock[] = [header(`Untagged instance ${instance.id}`)];
  blocks.push(
    section(
      `*${name}* was launched by ${input.launchedBy ? who(input.launchedBy) : '_unknown_'} without an authorising tag.`,
    ),
  );
  blocks.push(
    fields([
      `*Type*\n${escapeMrkdwn(instance.type)}`,
      `*Where*\n${instance.az ? escapeMrkdwn(instance.az) : region}`,
      `*Launched*\n${instance.launchedAt ? slackDate(instance.launchedAt) : 'unknown'}`,
      `*Account*\n${accountLabel(account)} · ${account.environment}`,
    ]),
  );
  const tags = input.missingTags.map((t) => `\`${escapeMrkdwn(t)}\``).join(', ');
  blocks.push(context([`Missing any of: ${tags || '-'}`, `Finding #${id}`]));

  const decided = stateText(state);
  if (decided === null) {
    blocks.push(section(deadlineText(input)));
    blocks.push(...actions(shadowDecisionButtons(instance.id, id)));
  } else {
    blocks.push(section(decided));
  }

  const deadline = input.dueAt && input.policy !== 'notify' ? ` (deadline ${utc(input.dueAt)})` : '';
  const fallback =
    decided === null
      ? `Untagged instance ${instance.id} (${instance.type}) in ${escapeMrkdwn(account.name)} ${region}${deadline}: claim or exempt it`
      : `Untagged instance ${instance.id} in ${escapeMrkdwn(account.name)} ${region}: ${state.kind}`;
  return message(fallback, blocks);
}

/** Claim / Exempt / Terminate now for one instance (`value`: its encoded recommendation id). */
export function shadowDecisionButtons(instanceId: string, value: string): Button[] {
  return [
    button({ text: 'Claim', actionId: ACTIONS.claim, value, style: 'primary' }),
    button({ text: 'Exempt', actionId: ACTIONS.exempt, value }),
    button({
      text: 'Terminate now',
      actionId: ACTIONS.terminateNow,
      value,
      style: 'danger',
      confirm: {
        title: `Terminate ${instanceId}?`,
        text: 'Its EBS volumes are snapshotted first, then the instance is terminated. This cannot be undone.',
        confirm: 'Terminate',
        danger: true,
      },
    }),
  ];
}
