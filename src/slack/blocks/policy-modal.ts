// `/spot policy <account>`: the account's approval policy in a form. One input per setting,
// prefilled with the stored policy (or its seed); parsePolicySubmission turns the answers into a
// policy and, when something is wrong, one clear sentence per field for Slack to show in place.
import type { KnownBlock, ModalView } from '@slack/types';
import type { ApprovalPolicy } from '../../engine/policy.js';
import { approvalPolicy } from '../../engine/policy.js';
import { VIEWS } from '../ids.js';
import { context, escapeMrkdwn, plain, section } from './limits.js';
import { modalChrome, privateMetadata, readText, type SubmittedValues } from './modals.js';

/** block_id (= action_id) of each input. */
export const POLICY_FIELDS = {
  autoApprove: 'policy_auto_approve',
  threshold: 'policy_threshold',
  LOW: 'policy_n_low',
  MEDIUM: 'policy_n_medium',
  HIGH: 'policy_n_high',
  CRITICAL: 'policy_n_critical',
  ttl: 'policy_ttl_hours',
  cancelWindow: 'policy_cancel_minutes',
  perHour: 'policy_per_hour',
  timeZone: 'policy_time_zone',
  maintenance: 'policy_maintenance',
  freezes: 'policy_freezes',
} as const;

type Field = keyof typeof POLICY_FIELDS;
const LEVELS = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

function field(
  key: Field,
  label: string,
  initial: string,
  hint?: string,
  multiline = false,
  optional = false,
) {
  const id = POLICY_FIELDS[key];
  return {
    type: 'input' as const,
    block_id: id,
    optional,
    label: plain(label),
    ...(hint ? { hint: plain(hint) } : {}),
    element: {
      type: 'plain_text_input' as const,
      action_id: id,
      multiline,
      max_length: multiline ? 2000 : 100,
      ...(initial ? { initial_value: initial } : {}),
    },
  };
}

export interface PolicyModalInput {
  account: { id: number; name: string; environment: 'PROD' | 'LAB' };
  policy: ApprovalPolicy;
  /** Who changed it last and when; null for the seed. */
  updated?: { by: string; at: Date } | null;
}

const freezeLine = (f: ApprovalPolicy['freezes'][number]) =>
  `${f.start.toISOString()} ${f.end.toISOString()}${f.reason ? ` ${f.reason}` : ''}`;

export function policyModal(input: PolicyModalInput): ModalView {
  const p = input.policy;
  const blocks: KnownBlock[] = [
    section(
      `*Approval policy of ${escapeMrkdwn(input.account.name)}* (${input.account.environment}). The approval risk of a change (LOW, MEDIUM, HIGH, CRITICAL) is separate from the Spot interruption risk.`,
    ),
    context([
      input.updated
        ? `Last changed by <@${input.updated.by}> on ${input.updated.at.toISOString().slice(0, 16).replace('T', ' ')} UTC`
        : 'Seed values: nobody changed this policy yet.',
    ]),
    field(
      'autoApprove',
      'Auto-approve LOW changes (on/off)',
      p.autoApprove.enabled ? 'on' : 'off',
      'Off by default in PROD accounts.',
    ),
    field(
      'threshold',
      'Auto-approve up to (USD of monthly savings)',
      String(p.autoApprove.maxMonthlySavingsUsd),
    ),
    ...LEVELS.map((l) =>
      field(
        l,
        `Approvers needed for ${l}`,
        String(p.approversNeeded[l]),
        l === 'LOW' ? 'Distinct approvers; the requester never counts.' : undefined,
      ),
    ),
    field('ttl', 'Approvals expire after (hours)', String(p.approvalTtlHours)),
    field('cancelWindow', 'Cancel window for automated work (minutes)', String(p.cancelWindowMinutes)),
    field('perHour', 'Maximum automated actions per hour', String(p.maxAutomatedActionsPerHour)),
    field('timeZone', 'Time zone of the maintenance windows', p.timeZone, 'IANA name, e.g. Europe/Paris'),
    field(
      'maintenance',
      'Maintenance windows (one per line: cron, minutes)',
      p.maintenanceWindows.map((w) => `${w.cron}, ${w.durationMinutes}`).join('\n'),
      'e.g. "0 22 * * 1-5, 120" = weekdays 22:00 for 2 h. Empty: any time.',
      true,
      true,
    ),
    field(
      'freezes',
      'Change freezes (one per line: start end [reason])',
      p.freezes.map(freezeLine).join('\n'),
      'ISO times, e.g. "2026-12-20T00:00Z 2027-01-04T00:00Z year end". Nothing runs inside one.',
      true,
      true,
    ),
  ];
  return {
    ...modalChrome('Approval policy', 'Save'),
    callback_id: VIEWS.policy,
    private_metadata: privateMetadata(String(input.account.id)),
    blocks,
  };
}

export type PolicySubmission =
  | { ok: true; policy: ApprovalPolicy }
  | { ok: false; errors: Record<string, string> };

/** Reads the form; every problem is a sentence on its own field. */
export function parsePolicySubmission(values: SubmittedValues): PolicySubmission {
  const text = (f: Field) => readText(values, { block: POLICY_FIELDS[f], action: POLICY_FIELDS[f] });
  const errors: Record<string, string> = {};
  const num = (f: Field, what: string, opts: { min: number; max: number; int?: boolean }): number => {
    const raw = text(f).replace(/^\$/, '');
    const n = Number(raw);
    if (
      raw === '' ||
      !Number.isFinite(n) ||
      (opts.int !== false && !Number.isInteger(n)) ||
      n < opts.min ||
      n > opts.max
    ) {
      errors[POLICY_FIELDS[f]] =
        `${what} must be ${opts.int === false ? 'a number' : 'a whole number'} from ${opts.min} to ${opts.max}${raw ? `, not "${raw.slice(0, 30)}"` : ''}.`;
      return 0;
    }
    return n;
  };
  const auto = text('autoApprove').toLowerCase();
  if (!['on', 'off', 'yes', 'no', 'true', 'false'].includes(auto))
    errors[POLICY_FIELDS.autoApprove] = 'Answer "on" or "off".';
  const maintenanceWindows = text('maintenance')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const m = /^(.*?)[,;]\s*(\d+)\s*(?:min(?:utes)?)?$/.exec(line);
      if (!m) {
        errors[POLICY_FIELDS.maintenance] =
          `"${line.slice(0, 40)}" is not "cron, minutes" (e.g. "0 22 * * 1-5, 120").`;
        return { cron: '', durationMinutes: 0 };
      }
      return { cron: m[1]!.trim(), durationMinutes: Number(m[2]) };
    });
  const freezes = text('freezes')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((line) => {
      const [start = '', end = '', ...reason] = line.split(/\s+/);
      if (Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end))) {
        errors[POLICY_FIELDS.freezes] =
          `"${line.slice(0, 40)}" does not start with two ISO times (start end).`;
      }
      return { start, end, reason: reason.join(' ') };
    });
  const candidate = {
    autoApprove: {
      enabled: ['on', 'yes', 'true'].includes(auto),
      maxMonthlySavingsUsd: num('threshold', 'The auto-approve threshold', {
        min: 0,
        max: 1_000_000,
        int: false,
      }),
    },
    approversNeeded: Object.fromEntries(
      LEVELS.map((l) => [l, num(l, `Approvers needed for ${l}`, { min: 1, max: 5 })]),
    ),
    approvalTtlHours: num('ttl', 'The approval lifetime', { min: 1, max: 720 }),
    cancelWindowMinutes: num('cancelWindow', 'The cancel window', { min: 0, max: 1440 }),
    maxAutomatedActionsPerHour: num('perHour', 'The hourly maximum', { min: 0, max: 10_000 }),
    timeZone: text('timeZone') || 'UTC',
    maintenanceWindows,
    freezes,
  };
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const parsed = approvalPolicy.safeParse(candidate);
  if (parsed.success) return { ok: true, policy: parsed.data };
  for (const issue of parsed.error.issues) {
    const [top] = issue.path;
    const block =
      top === 'timeZone'
        ? POLICY_FIELDS.timeZone
        : top === 'maintenanceWindows'
          ? POLICY_FIELDS.maintenance
          : top === 'freezes'
            ? POLICY_FIELDS.freezes
            : POLICY_FIELDS.autoApprove;
    const where =
      top === 'timeZone' ? `"${candidate.timeZone.slice(0, 40)}"` : `Line ${Number(issue.path[1] ?? 0) + 1}`;
    errors[block] ??= `${where} ${issue.message}.`.replace('..', '.');
  }
  return { ok: false, errors };
}
