// The Spot recommendation card posted by `/spot evaluate` (and the daily evaluation): what would
// move to Spot, the prices behind the decision, the risk in plain words, and Approve / Reject /
// Shadow run. A "not worth it" variant explains why and offers nothing to approve.
import type { KnownBlock } from '@slack/types';
import type {
  Approval,
  Commitment,
  NotWorthIt,
  Preflight,
  PreflightRefusal,
  RecommendationCardInput,
  SpotPoolPrice,
  SpotTarget,
} from '../../spot/card-input.js';
import { ACTIONS } from '../ids.js';
import {
  accountLabel,
  money,
  percent,
  perHour,
  perMonth,
  plural,
  RISK_EMOJI,
  relative,
  slackDate,
  slackDay,
  utcDate,
} from './format.js';
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

export type {
  Approval,
  Commitment,
  NotWorthIt,
  Preflight,
  PreflightRefusal,
  RecommendationCardInput,
  SpotPoolPrice,
  SpotTarget,
};

const MAX_REASONS = 3;

export function targetLabel(t: SpotTarget): string {
  switch (t.kind) {
    case 'instance':
      return t.name
        ? `${escapeMrkdwn(t.name)} (${t.instanceId}, ${t.instanceType})`
        : `${t.instanceId} (${t.instanceType})`;
    case 'asg':
      return `Auto Scaling group ${escapeMrkdwn(t.name)}`;
    case 'node-group':
      return `EKS node group ${escapeMrkdwn(t.cluster)}/${escapeMrkdwn(t.name)}`;
  }
}

function commitmentLabel(c: Commitment): string {
  return `${c.kind === 'reserved-instance' ? 'Reserved Instance' : 'Savings Plan'} ${escapeMrkdwn(c.id)}`;
}

export function notWorthItText(n: NotWorthIt): string {
  switch (n.reason) {
    case 'savings-below-threshold':
      return `Savings are below the ${perMonth(n.thresholdUsd)} threshold.`;
    case 'all-pools-poisoned': {
      // Say which pools were looked at: lab mode considers the instance's own AZ only.
      const types = n.instanceTypes?.length ? ` for ${n.instanceTypes.join(', ')}` : '';
      const where = n.azs?.length
        ? `in ${n.azs.join(', ')}${types}`
        : `for this instance type${types ? ` (${n.instanceTypes!.join(', ')})` : ''}`;
      return `Every Spot pool ${where} is poisoned by recent interruptions.`;
    }
    case 'not-spot-capable':
      return `This instance type cannot run on Spot: ${escapeMrkdwn(n.detail)}`;
    case 'covered-by-commitment':
      return `Covered by ${commitmentLabel(n.commitment)}: not proposed.`;
    case 'no-price':
      return `No price for ${n.region}: spotops has no On-Demand list price for ${n.instanceType} there and does not use another region's.`;
  }
}

function priceLines(input: RecommendationCardInput): string {
  const { spotPrices, chosen, now } = input;
  if (spotPrices.length === 0) return '_No Spot prices for this type in the region._';
  const sorted = [...spotPrices].sort(
    (a, b) => a.az.localeCompare(b.az) || a.instanceType.localeCompare(b.instanceType),
  );
  return sorted
    .map((p) => {
      const pool = `${p.az} ${p.instanceType} ${perHour(p.pricePerHour)}`;
      if (p.poisonedUntil && p.poisonedUntil > now) {
        return `• ~${pool}~ poisoned until ${slackDay(p.poisonedUntil)}`;
      }
      const isChosen = chosen && chosen.az === p.az && chosen.instanceType === p.instanceType;
      const inSpread = input.chosenPools?.some((c) => c.az === p.az && c.instanceType === p.instanceType);
      if (isChosen) return `• *${pool}* :point_left: chosen`;
      return inSpread ? `• *${pool}* :white_check_mark: chosen` : `• ${pool}`;
    })
    .join('\n');
}

export function recommendationCard(input: RecommendationCardInput): SlackMessage {
  const { target, account, region, onDemand, risk, notWorthIt } = input;
  const id = encodeId(input.recommendationId);
  const worthIt = !notWorthIt;
  const what = targetLabel(target);
  const title = worthIt
    ? `Spot: save ${perMonth(input.monthlySavingsUsd)}`
    : `Spot: not worth it for ${target.kind === 'instance' ? target.instanceId : target.name}`;

  const blocks: KnownBlock[] = [header(title)];
  const count = target.kind === 'instance' ? '' : ` (${plural(target.onDemandCount, 'On-Demand instance')})`;
  blocks.push(
    section(`*${what}*${count}\nAccount ${accountLabel(account)} · ${region} · ${account.environment}`),
  );

  if (notWorthIt) blocks.push(section(`:no_entry_sign: ${notWorthItText(notWorthIt)}`));

  const odSource = onDemand.source === 'offline' ? ` (list price as of ${utcDate(onDemand.asOf)})` : '';
  blocks.push(
    fields([
      notWorthIt?.reason === 'no-price'
        ? `*On-Demand*\nno price for ${region}`
        : `*On-Demand*\n${perHour(onDemand.pricePerHour)}${odSource}`,
      `*Monthly savings*\n${worthIt ? money(input.monthlySavingsUsd) : `${money(input.monthlySavingsUsd)} (not proposed)`}`,
      `*Interruption risk*\n${RISK_EMOJI[risk.level]} ${risk.level} (${percent(risk.score)})`,
      input.evaluator
        ? `*Evaluator*\n${escapeMrkdwn(input.evaluator)}`
        : `*Engine*\n${input.engine === 'onnx' ? 'ONNX' : 'fallback'} · model ${escapeMrkdwn(input.modelVersion)}`,
    ]),
  );

  const scope = input.scope ? `\n_${scopeText(input.scope)}_` : '';
  blocks.push(section(`*Spot price per pool*\n${priceLines(input)}${scope}`));

  if (input.diversification && target.kind !== 'instance') {
    const d = input.diversification;
    blocks.push(
      section(
        `*Diversified over ${plural(d.azs.length * d.instanceTypes.length, 'pool')}*\nAZs: ${d.azs.join(', ')}\nTypes: ${d.instanceTypes.join(', ')}`,
      ),
    );
  }

  if (risk.reasons.length > 0) {
    const reasons = risk.reasons.slice(0, MAX_REASONS).map((r) => `• ${escapeMrkdwn(r)}`);
    blocks.push(section(`*Why this risk*\n${reasons.join('\n')}`));
  }

  const notes: string[] = [];
  if (input.commitmentOverlap) notes.push(`:receipt: ${escapeMrkdwn(input.commitmentOverlap)}`);
  for (const c of input.commitmentOverlap ? [] : (input.commitments ?? [])) {
    const isReason = notWorthIt?.reason === 'covered-by-commitment' && notWorthIt.commitment.id === c.id;
    if (!isReason) notes.push(`:receipt: ${commitmentLabel(c)} overlaps this capacity`);
  }
  const poisoned = input.spotPrices.filter((p) => p.poisonedUntil && p.poisonedUntil > input.now);
  if (poisoned.length > 0) {
    const soonest = poisoned.map((p) => p.poisonedUntil!).sort((a, b) => a.getTime() - b.getTime())[0]!;
    notes.push(
      `:skull: ${plural(poisoned.length, 'pool')} poisoned; first clears ${relative(soonest, input.now)}`,
    );
  }
  const preflight = input.preflight;
  if (preflight?.path) blocks.push(section(`*How*\n${escapeMrkdwn(preflight.path)}`));
  const refusals = preflight?.refusals ?? [];
  if (worthIt && refusals.length > 0) blocks.push(section(refusalText(refusals)));
  if (preflight?.notes?.length)
    blocks.push(context(preflight.notes.map((n) => `:information_source: ${escapeMrkdwn(n)}`)));
  if (worthIt && input.approval && !input.evaluationOnly && refusals.length === 0)
    blocks.push(section(approvalText(input.approval)));
  const superseded = input.approval?.superseded === true;
  if (superseded)
    blocks.push(
      section(
        ':arrows_counterclockwise: *Superseded* by a newer recommendation for the same resource: its approvals no longer count; see the newer card.',
      ),
    );

  notes.push(`Recommendation #${id}`);
  if (worthIt && input.scheduled)
    notes.push(
      `:calendar: once approved, runs ${slackDate(input.scheduled.at)} (${input.scheduled.priority} priority)`,
    );
  blocks.push(context(notes));

  if (worthIt && input.evaluationOnly) {
    blocks.push(context([`:information_source: ${escapeMrkdwn(input.evaluationOnly)}`]));
  } else if (worthIt && refusals.length > 0) {
    // Approve only when the move can run; an approver may accept overridable reasons instead.
    const overridable = refusals.some((r) => r.overridable);
    blocks.push(
      ...actions([
        ...(overridable
          ? [button({ text: 'Override with a reason…', actionId: ACTIONS.overrideRefusals, value: id })]
          : []),
        button({ text: 'Reject', actionId: ACTIONS.reject, value: id }),
      ]),
    );
  } else if (worthIt && !superseded) {
    blocks.push(
      ...actions([
        button({ text: 'Approve', actionId: ACTIONS.approve, value: id, style: 'primary' }),
        button({ text: 'Reject', actionId: ACTIONS.reject, value: id }),
        button({ text: 'Shadow run', actionId: ACTIONS.shadowRun, value: id }),
        button({ text: 'Schedule…', actionId: ACTIONS.schedule, value: id }),
      ]),
    );
  }

  const fallback = worthIt
    ? `Spot recommendation #${id}: ${what} in ${region} could save ${perMonth(input.monthlySavingsUsd)} (interruption risk ${risk.level})${refusals.length ? `; not offered for approval: ${refusals.map((r) => r.title).join('; ')}` : ''}`
    : `Spot recommendation #${id}: ${what} in ${region} not proposed: ${notWorthItText(notWorthIt)}`;
  return message(fallback, blocks);
}

function scopeText(scope: NonNullable<RecommendationCardInput['scope']>): string {
  const azs = scope.azs.join(', ');
  switch (scope.reason) {
    case 'instance-subnet':
      return `Pools considered: ${azs} only (lab mode keeps the instance's subnet).`;
    case 'group-subnets':
      return `Pools considered: the group's AZs (${azs}).`;
    case 'region':
      return `Pools considered: every AZ of the region (${azs}).`;
  }
}

const MAX_OBJECTS = 6;

function refusalText(refusals: PreflightRefusal[]): string {
  const lines = refusals.map((r) => {
    const shown = r.objects.slice(0, MAX_OBJECTS).map(escapeMrkdwn).join(', ');
    const more = r.objects.length > MAX_OBJECTS ? ` and ${r.objects.length - MAX_OBJECTS} more` : '';
    return `• *${escapeMrkdwn(r.title)}*${shown ? `: ${shown}${more}` : ''}`;
  });
  const override = refusals.some((r) => r.overridable)
    ? '\nAn approver may override a reason with a written justification; it is recorded.'
    : '';
  return `:no_entry: *Not offered for approval: this move cannot run safely as it is*\n${lines.join('\n')}${override}`;
}

const mentionOf = (entry: string) =>
  entry.startsWith('subteam:') ? `<!subteam^${entry.slice(8)}>` : `<@${entry}>`;

function approvalText(a: Approval): string {
  const who = a.approvers.length
    ? `Approvers: ${a.approvers.map(mentionOf).join(', ')}.`
    : 'No approvers yet: `/spot approvers <account> @user`.';
  const fourEyes =
    a.risk === 'HIGH' || a.risk === 'CRITICAL'
      ? a.requestedBy && a.requestedBy !== 'system'
        ? ` ${mentionOf(a.requestedBy)} asked for it and cannot approve their own ${a.risk} move.`
        : ` A requester cannot approve their own ${a.risk} move.`
      : '';
  const raised = a.raisedBy?.length ? ` Raised: ${a.raisedBy.map(escapeMrkdwn).join('; ')}.` : '';
  const needed = a.needed ?? 1;
  const given = a.approvedBy ?? [];
  const count =
    needed > 1 || given.length > 0
      ? `\n${given.length} of ${needed} approvals${given.length ? `: ${given.map(mentionOf).join(', ')}` : ''}.`
      : '';
  const note = a.note ? `\n:pause_button: ${escapeMrkdwn(a.note)}` : '';
  return `:lock: *Approval:* ${RISK_EMOJI[a.risk]} ${a.risk} change (separate from the interruption risk).${raised} ${who}${fourEyes}${count}${note}`;
}
