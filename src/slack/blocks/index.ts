// Pure Block Kit builders for every Slack surface, and the action ids each can emit (the
// invariants test checks every one has a listener).
import { ACTIONS, type ActionId } from '../ids.js';

export * from './accounts-list.js';
export * from './app-home.js';
export * from './batch-progress.js';
export * from './claim-modal.js';
export * from './confirm-critical-modal.js';
export * from './connect-reply.js';
export * from './digest.js';
export * from './execution-status.js';
export * from './exempt-modal.js';
export * from './findings-summary.js';
export * from './format.js';
export * from './help.js';
export * from './limits.js';
export * from './modals.js';
export * from './override-modal.js';
export * from './policy-modal.js';
export * from './pool-alert-card.js';
export * from './pools-list.js';
export * from './queue-status.js';
export * from './recommendation-card.js';
export * from './schedule-modal.js';
export * from './shadow-it-card.js';
export * from './shadow-it-group-card.js';
export * from './values.js';
export * from './waste-group-card.js';

/** Builder name -> every action_id it can put in a message. */
export const BUILDER_ACTIONS = {
  recommendationCard: [
    ACTIONS.approve,
    ACTIONS.reject,
    ACTIONS.shadowRun,
    ACTIONS.overrideRefusals,
    ACTIONS.schedule,
  ],
  wasteGroupCard: [
    ACTIONS.approve,
    ACTIONS.ignore,
    ACTIONS.rollback,
    ACTIONS.cancelExecution,
    ACTIONS.approveAll,
    ACTIONS.showMore,
    ACTIONS.schedule,
  ],
  shadowItCard: [ACTIONS.claim, ACTIONS.exempt, ACTIONS.terminateNow],
  shadowItGroupCard: [
    ACTIONS.claim,
    ACTIONS.exempt,
    ACTIONS.terminateNow,
    ACTIONS.showMore,
    ACTIONS.approveAll,
  ],
  batchProgressMessage: [],
  queueStatusMessage: [],
  scheduleModal: [],
  executionStatus: [ACTIONS.rollback, ACTIONS.cancelExecution],
  claimModal: [],
  exemptModal: [],
  confirmCriticalModal: [],
  overrideModal: [],
  policyModal: [],
  poolAlertCard: [],
  poolsList: [],
  accountsList: [],
  connectReply: [ACTIONS.openLink],
  helpMessage: [],
  appHome: [ACTIONS.homeRefresh],
  digest: [],
  findingsSummary: [],
} as const satisfies Record<string, readonly ActionId[]>;

/** Every action_id any builder can emit. */
export const EMITTED_ACTION_IDS: readonly ActionId[] = [...new Set(Object.values(BUILDER_ACTIONS).flat())];
