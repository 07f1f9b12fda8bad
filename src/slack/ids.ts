// Every action_id and callback_id the app uses. Builders and listeners both import from here,
// and test/invariants.test.ts checks that each id a builder emits has a listener.
export const ACTIONS = {
  // Recommendation / waste items (value = recommendation id)
  approve: 'rec_approve',
  reject: 'rec_reject',
  ignore: 'rec_ignore',
  shadowRun: 'rec_shadow_run', // Spot: evaluate + DryRun only
  overrideRefusals: 'rec_override_refusals', // Spot: opens the override modal (value = rec id)
  approveAll: 'group_approve_all', // value = JSON { ids: number[] } or a group key
  showMore: 'group_show_more', // value = JSON { group, offset }
  rollback: 'exec_rollback', // value = execution id
  schedule: 'rec_schedule', // opens the Schedule modal (value = recommendation id)
  cancelExecution: 'exec_cancel', // value = execution id: cancels it before it starts
  // Shadow IT (value = recommendation id)
  claim: 'shadow_claim',
  exempt: 'shadow_exempt',
  terminateNow: 'shadow_terminate_now',
  // App Home
  homeRefresh: 'home_refresh',
  // URL buttons (e.g. the CloudFormation quick-create link): Slack still sends block_actions,
  // so the listener only acks it.
  openLink: 'link_open',
} as const;

export const VIEWS = {
  claim: 'shadow_claim_modal',
  exempt: 'shadow_exempt_modal',
  confirmCritical: 'confirm_critical_modal',
  overrideRefusals: 'override_refusals_modal',
  schedule: 'schedule_modal',
  policy: 'approval_policy_modal',
} as const;

/** block_ids the app recognises in messages it updates. */
export const BLOCKS = {
  // Prefix of the execution status blocks on a card (exec_status_0, exec_status_1, ...), so an
  // update replaces the previous status instead of stacking a new one under it.
  executionStatus: 'exec_status',
} as const;

/** block_id / action_id pairs of modal inputs, read back in view submissions. */
export const INPUTS = {
  owner: { block: 'owner_block', action: 'owner_input' },
  team: { block: 'team_block', action: 'team_input' },
  reason: { block: 'reason_block', action: 'reason_input' },
  expiry: { block: 'expiry_block', action: 'expiry_input' },
  when: { block: 'when_block', action: 'when_input' },
  priority: { block: 'priority_block', action: 'priority_input' },
  confirmResource: { block: 'confirm_resource_block', action: 'confirm_resource_input' },
  policyJson: { block: 'policy_json_block', action: 'policy_json_input' },
} as const;

export type ActionId = (typeof ACTIONS)[keyof typeof ACTIONS];
export type ViewId = (typeof VIEWS)[keyof typeof VIEWS];
