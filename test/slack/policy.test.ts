// `/spot policy`: the modal shows the stored policy (or its seed), the submission answers bad
// input with a sentence on the field, and saving is for approvers only and audited.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { approvalPolicies, auditEvents } from '../../src/db/schema.js';
import { defaultPolicy, getPolicy, savePolicy } from '../../src/engine/policy.js';
import { POLICY_FIELDS, parsePolicySubmission, policyModal } from '../../src/slack/blocks/policy-modal.js';
import { VIEWS } from '../../src/slack/ids.js';
import { verifiedAccount } from '../helpers/accounts.js';
import { startTestApp, type TestApp, viewSubmission } from '../helpers/app.js';
import { checkView } from '../helpers/slack-limits.js';

type Values = Record<string, Record<string, { type: string; value: string }>>;

/** The form as Slack would submit it, filled from the modal's initial values, then edited. */
function submitted(
  view: ReturnType<typeof policyModal>,
  edits: Partial<Record<keyof typeof POLICY_FIELDS, string>> = {},
): Values {
  const values: Values = {};
  for (const b of view.blocks as {
    type: string;
    block_id?: string;
    element?: { initial_value?: string };
  }[]) {
    if (b.type !== 'input' || !b.block_id) continue;
    values[b.block_id] = {
      [b.block_id]: { type: 'plain_text_input', value: b.element?.initial_value ?? '' },
    };
  }
  for (const [k, v] of Object.entries(edits)) {
    const id = POLICY_FIELDS[k as keyof typeof POLICY_FIELDS];
    values[id] = { [id]: { type: 'plain_text_input', value: v } };
  }
  return values;
}

const account = { id: 7, name: 'payments', environment: 'PROD' as const };

describe('policy modal', () => {
  it('seeds: auto-approve LOW up to $500 in LAB, off in PROD; 72 h TTL; 10 min cancel window', () => {
    expect(defaultPolicy({ environment: 'LAB' }).autoApprove).toEqual({
      enabled: true,
      maxMonthlySavingsUsd: 500,
    });
    expect(defaultPolicy({ environment: 'PROD' }).autoApprove.enabled).toBe(false);
    expect(defaultPolicy({ environment: 'PROD' })).toMatchObject({
      approvalTtlHours: 72,
      cancelWindowMinutes: 10,
    });
  });

  it('round-trips the policy through the form and stays within the block limits', () => {
    const policy = {
      ...defaultPolicy(account),
      maintenanceWindows: [{ cron: '0 22 * * 1-5', durationMinutes: 120 }],
      freezes: [
        {
          start: new Date('2026-12-20T00:00:00Z'),
          end: new Date('2027-01-04T00:00:00Z'),
          reason: 'year end',
        },
      ],
    };
    const view = policyModal({ account, policy });
    expect(view.callback_id).toBe(VIEWS.policy);
    expect(checkView(view)).toEqual([]);
    expect(parsePolicySubmission(submitted(view))).toEqual({ ok: true, policy });
  });

  it('answers bad input with a clear sentence on each field', () => {
    const view = policyModal({ account, policy: defaultPolicy(account) });
    const r = parsePolicySubmission(
      submitted(view, {
        autoApprove: 'maybe',
        CRITICAL: '0',
        ttl: 'three days',
        timeZone: 'Mars/Olympus',
        maintenance: '0 25 * * *, 60',
        freezes: 'tomorrow later',
      }),
    );
    expect(r).toEqual({
      ok: false,
      errors: {
        [POLICY_FIELDS.autoApprove]: 'Answer "on" or "off".',
        [POLICY_FIELDS.CRITICAL]:
          'Approvers needed for CRITICAL must be a whole number from 1 to 5, not "0".',
        [POLICY_FIELDS.ttl]: 'The approval lifetime must be a whole number from 1 to 720, not "three days".',
        [POLICY_FIELDS.freezes]: '"tomorrow later" does not start with two ISO times (start end).',
      },
    });
    const zone = parsePolicySubmission(
      submitted(view, { timeZone: 'Mars/Olympus', maintenance: '0 25 * * *, 60' }),
    );
    expect(zone).toEqual({
      ok: false,
      errors: {
        [POLICY_FIELDS.timeZone]: '"Mars/Olympus" is not a known time zone (e.g. Europe/Paris).',
        [POLICY_FIELDS.maintenance]: 'Line 1 "25" is not a valid hour (0-23).',
      },
    });
  });
});

describe('/spot policy through the app', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await startTestApp();
  });
  afterEach(() => t.stop());

  it('opens the modal, saves a valid edit (audited) and refuses non-approvers', async () => {
    const acc = await verifiedAccount(t.db.db, {
      name: 'payments',
      environment: 'PROD',
      approvers: ['U0BOB'],
    });
    await t.commandReply('policy payments', { user: 'U0BOB' });
    const open = await t.slack.waitFor(() => t.slack.callsOf('views.open')[0]);
    expect(open.args.view.callback_id).toBe(VIEWS.policy);
    const values = submitted(open.args.view, { CRITICAL: '2', autoApprove: 'on', threshold: '250' });

    const bad = await t.interact(
      viewSubmission(
        VIEWS.policy,
        open.args.view.private_metadata,
        submitted(open.args.view, { HIGH: 'x' }),
        'U0BOB',
      ),
    );
    expect(JSON.parse(await bad.text()).errors[POLICY_FIELDS.HIGH]).toBe(
      'Approvers needed for HIGH must be a whole number from 1 to 5, not "x".',
    );

    await t.interact(viewSubmission(VIEWS.policy, open.args.view.private_metadata, values, 'U0BOB'));
    await t.slack.waitFor(async () => (await t.db.db.select().from(approvalPolicies)).length === 1);
    const saved = await getPolicy(t.db.db, acc);
    expect(saved.approversNeeded.CRITICAL).toBe(2);
    expect(saved.autoApprove).toEqual({ enabled: true, maxMonthlySavingsUsd: 250 });
    const audit = (await t.db.db.select().from(auditEvents)).find((e) => e.event === 'policy_changed')!;
    expect(audit.actor).toBe('U0BOB');
    expect(audit.detail).toMatchObject({
      before: { approversNeeded: { CRITICAL: 1 } },
      after: { approversNeeded: { CRITICAL: 2 } },
    });

    const dir = {
      isWorkspaceAdmin: async () => false,
      groupMembers: async () => [],
      displayName: async (u: string) => u,
    };
    await expect(savePolicy(t.deps, dir, 'payments', saved, 'U0EVE')).rejects.toThrow(
      'Only an approver of `payments` or a workspace admin can change its approval policy.',
    );
  });
});
