import { describe, expect, it } from 'vitest';
import { claimModal, parseClaimSubmission } from '../../../src/slack/blocks/claim-modal.js';
import {
  confirmCriticalModal,
  parseConfirmCritical,
} from '../../../src/slack/blocks/confirm-critical-modal.js';
import { exemptModal, parseExemptSubmission } from '../../../src/slack/blocks/exempt-modal.js';
import { INPUTS, VIEWS } from '../../../src/slack/ids.js';
import { checkView } from '../../helpers/slack-limits.js';
import * as f from './fixtures.js';

const claimValues = (owner: string | null, team: string) => ({
  [INPUTS.owner.block]: { [INPUTS.owner.action]: { type: 'users_select', selected_user: owner } },
  [INPUTS.team.block]: { [INPUTS.team.action]: { type: 'plain_text_input', value: team } },
});
const exemptValues = (reason: string | null, expiry: string | null) => ({
  [INPUTS.reason.block]: { [INPUTS.reason.action]: { type: 'plain_text_input', value: reason } },
  [INPUTS.expiry.block]: { [INPUTS.expiry.action]: { type: 'number_input', value: expiry } },
});

describe('claim-modal', () => {
  const view = claimModal({ recommendationId: 501, instanceId: 'i-0deadbeefcafe0001', userId: 'U024BE7LH' });

  it('renders owner and team inputs with the recommendation id as private_metadata', () => {
    expect(view).toMatchSnapshot();
    expect(view).toMatchObject({ callback_id: VIEWS.claim, private_metadata: '501' });
    expect(checkView(view)).toEqual([]);
  });

  it('reads a submission back, and names the missing fields by block', () => {
    expect(parseClaimSubmission(claimValues('U0G9QF9C6', ' ml-research '))).toEqual({
      ok: true,
      owner: 'U0G9QF9C6',
      team: 'ml-research',
    });
    expect(parseClaimSubmission(claimValues(null, ''))).toEqual({
      ok: false,
      errors: { [INPUTS.owner.block]: 'Pick the owner.', [INPUTS.team.block]: 'Name the team.' },
    });
  });
});

describe('exempt-modal', () => {
  const view = exemptModal({ recommendationId: 501, instanceId: 'i-0deadbeefcafe0001' });

  it('renders a required reason and an optional expiry in days', () => {
    expect(view).toMatchSnapshot();
    expect(view).toMatchObject({ callback_id: VIEWS.exempt, private_metadata: '501' });
    expect(checkView(view)).toEqual([]);
  });

  it('accepts a reason with or without an expiry', () => {
    expect(parseExemptSubmission(exemptValues('Bastion host', null))).toEqual({
      ok: true,
      reason: 'Bastion host',
      expiryDays: null,
    });
    expect(parseExemptSubmission(exemptValues('Load test', '14'))).toEqual({
      ok: true,
      reason: 'Load test',
      expiryDays: 14,
    });
  });

  it('refuses a missing reason and an expiry outside 1..365 whole days', () => {
    expect(parseExemptSubmission(exemptValues('  ', '0'))).toEqual({
      ok: false,
      errors: {
        [INPUTS.reason.block]: 'Say why this instance is exempt.',
        [INPUTS.expiry.block]: 'A whole number of days from 1 to 365.',
      },
    });
    expect(parseExemptSubmission(exemptValues('ok reason', '2.5')).ok).toBe(false);
    expect(parseExemptSubmission(exemptValues('ok reason', '400')).ok).toBe(false);
  });
});

describe('confirm-critical-modal', () => {
  it('shows what will change and why it is critical, and approves on submit', () => {
    const view = confirmCriticalModal({
      recommendationId: 42,
      resourceId: 'asg:web-frontend-asg',
      action: 'Replace 6 On-Demand instances of web-frontend-asg with Spot',
      account: f.PROD,
      region: 'eu-west-1',
      monthlySavingsUsd: 518.4,
      reasons: ['Production account', 'Touches every instance of the group'],
      rollbackNote: 'No rollback once the old instances are terminated.',
      dryRun: true,
    });
    expect(view).toMatchSnapshot();
    expect(view).toMatchObject({
      callback_id: VIEWS.confirmCritical,
      private_metadata: '42',
      submit: { text: 'Approve' },
    });
    expect(checkView(view)).toEqual([]);
  });

  it('approves only when the approver types the resource id exactly', () => {
    const typed = (value: string) => ({
      [INPUTS.confirmResource.block]: {
        [INPUTS.confirmResource.action]: { type: 'plain_text_input', value },
      },
    });
    expect(parseConfirmCritical(typed(' asg:web-frontend-asg '), 'asg:web-frontend-asg')).toEqual({
      ok: true,
    });
    expect(parseConfirmCritical(typed('asg:web'), 'asg:web-frontend-asg')).toEqual({
      ok: false,
      errors: {
        [INPUTS.confirmResource.block]:
          'That is not the resource id: type asg:web-frontend-asg exactly to approve.',
      },
    });
    expect(parseConfirmCritical({}, 'asg:web-frontend-asg')).toMatchObject({ ok: false });
  });
});
