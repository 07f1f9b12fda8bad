// The card that reports an emergency replacement after it ran: which instance AWS warned about,
// what spotops did without approval (and why it could), the replacement, and whether it was
// healthy before the two minutes ended.
import { accountLabel, utc } from './format.js';
import { context, escapeMrkdwn, fields, header, message, type SlackMessage, section } from './limits.js';

export interface EmergencyCardInput {
  account: { name: string; awsAccountId?: string | null };
  region: string;
  instanceId: string;
  event: 'interruption' | 'rebalance';
  target: 'asg' | 'lab' | 'k8s';
  status: 'replaced' | 'reported' | 'failed';
  summary: string;
  replacementId: string | null;
  onDemand: boolean;
  warnedAt: string;
  deadlineAt: string | null;
  healthyAt: string | null;
  executionId: number;
}

const KIND = { asg: 'Auto Scaling group member', lab: 'lab instance', k8s: 'EKS node' } as const;
const TITLE = {
  replaced: 'Emergency replacement done',
  reported: 'Interruption reported',
  failed: 'Emergency replacement failed',
} as const;

export function emergencyCard(i: EmergencyCardInput): SlackMessage {
  const warning = i.event === 'interruption' ? 'Spot interruption warning' : 'rebalance recommendation';
  const healthy = i.healthyAt ? new Date(i.healthyAt) : undefined;
  const deadline = i.deadlineAt ? new Date(i.deadlineAt) : undefined;
  const timing =
    healthy && deadline
      ? healthy <= deadline
        ? `healthy ${Math.round((deadline.getTime() - healthy.getTime()) / 1000)} s before AWS reclaimed the old one`
        : `healthy ${Math.round((healthy.getTime() - deadline.getTime()) / 1000)} s after the deadline`
      : healthy
        ? `healthy at ${utc(healthy)}`
        : 'no replacement is running';
  const blocks = [
    header(`${TITLE[i.status]}: ${i.instanceId}`),
    section(
      `${warning} for the ${KIND[i.target]} *${escapeMrkdwn(i.instanceId)}* in ${accountLabel(i.account)} (${i.region}). ${escapeMrkdwn(i.summary)}`,
    ),
    fields([
      `*Replacement*\n${i.replacementId ? escapeMrkdwn(i.replacementId) : '—'}${i.onDemand ? ' (On-Demand)' : ''}`,
      `*Timing*\n${timing}`,
      `*Warned*\n${utc(new Date(i.warnedAt))}`,
    ]),
    context([
      `Ran without approval under the account's interruption policy · execution ${i.executionId}${i.onDemand ? ' · proposed back to Spot once a healthy pool exists' : ''}`,
    ]),
  ];
  return message(
    `${TITLE[i.status]}: ${i.instanceId} (${warning}) in ${escapeMrkdwn(i.account.name)}`,
    blocks,
  );
}
