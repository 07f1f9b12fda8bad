// `/spot pools`: the poisoned Spot pools, soonest to clear first, with expiry and event counts.
import type { KnownBlock } from '@slack/types';
import { plural, relative, slackDay } from './format.js';
import { context, header, message, type SlackMessage, section } from './limits.js';
import { poolLabel } from './pool-alert-card.js';

export interface PoolRow {
  region: string;
  availabilityZone: string;
  instanceType: string;
  poisonExpiresAt: Date;
  interruptionCount: number;
  rebalanceCount?: number;
  lastInterruptionAt?: Date | null;
}

// Lines per section: one section per chunk keeps each under 3000 characters.
const LINES_PER_SECTION = 20;
const MAX_POOLS = 200;

export function poolsList(input: { pools: PoolRow[]; now: Date }): SlackMessage {
  const pools = input.pools
    .filter((p) => p.poisonExpiresAt > input.now)
    .sort(
      (a, b) =>
        a.poisonExpiresAt.getTime() - b.poisonExpiresAt.getTime() || poolLabel(a).localeCompare(poolLabel(b)),
    );
  if (pools.length === 0) {
    return message('No poisoned Spot pools', [
      section(':white_check_mark: *No poisoned Spot pools.* Every pool is available to new Spot capacity.'),
    ]);
  }
  const shown = pools.slice(0, MAX_POOLS);
  const lines = shown.map((p) => {
    const events = plural(p.interruptionCount, 'interruption');
    const rebalances = p.rebalanceCount ? `, ${plural(p.rebalanceCount, 'rebalance')}` : '';
    return `• \`${poolLabel(p)}\` until ${slackDay(p.poisonExpiresAt)} (${relative(p.poisonExpiresAt, input.now)}) · ${events}${rebalances}`;
  });
  const blocks: KnownBlock[] = [header(`${plural(pools.length, 'poisoned Spot pool')}`)];
  for (let i = 0; i < lines.length; i += LINES_PER_SECTION) {
    blocks.push(section(lines.slice(i, i + LINES_PER_SECTION).join('\n')));
  }
  const more = pools.length > shown.length ? [`${pools.length - shown.length} more not shown`] : [];
  blocks.push(context([...more, 'Clear one with `/spot pool clear <region>/<az>/<type>`']));
  return message(`${plural(pools.length, 'poisoned Spot pool')}`, blocks);
}
