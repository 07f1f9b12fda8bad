// The alert posted when a Spot pool (region + AZ + instance type) gets poisoned by an interruption
// in a production account: which pool, who saw it, how often, and until when it is avoided.
import type { KnownBlock } from '@slack/types';
import { accountLabel, plural, relative, slackDay, utc } from './format.js';
import { context, escapeMrkdwn, fields, header, message, type SlackMessage, section } from './limits.js';

export interface PoolAlertInput {
  region: string;
  availabilityZone: string;
  instanceType: string;
  kind: 'interruption' | 'rebalance';
  account: { name: string; awsAccountId?: string | null };
  instanceId: string;
  interruptionCount: number;
  poisonedUntil: Date;
  /** Managed instances the bot is moving off the pool (emergency path), if any. */
  replacing?: string[];
  now: Date;
}

export function poolLabel(p: { region: string; availabilityZone: string; instanceType: string }): string {
  return `${p.region}/${p.availabilityZone}/${p.instanceType}`;
}

export function poolAlertCard(input: PoolAlertInput): SlackMessage {
  const pool = poolLabel(input);
  const what = input.kind === 'interruption' ? 'Spot interruption warning' : 'Rebalance recommendation';
  const blocks: KnownBlock[] = [
    header(`Spot pool poisoned: ${pool}`),
    section(
      `${what} for *${escapeMrkdwn(input.instanceId)}* in ${accountLabel(input.account)}. New Spot capacity avoids this pool for every account until it clears.`,
    ),
    fields([
      `*Pool*\n${input.availabilityZone} · ${input.instanceType}`,
      `*Interruptions*\n${plural(input.interruptionCount, 'event')} recorded`,
      `*Avoided until*\n${slackDay(input.poisonedUntil)} (${relative(input.poisonedUntil, input.now)})`,
    ]),
  ];
  const facts = [`Clear early with \`/spot pool clear ${pool}\``];
  if (input.replacing && input.replacing.length > 0) {
    facts.unshift(`:ambulance: Replacing ${input.replacing.map(escapeMrkdwn).join(', ')}`);
  }
  blocks.push(context(facts));
  return message(
    `Spot pool ${pool} poisoned until ${utc(input.poisonedUntil)} (${what.toLowerCase()} in ${escapeMrkdwn(input.account.name)})`,
    blocks,
  );
}
