// Button clicks: ack within Slack's 3 seconds, then hand over to interactions.ts.
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { ACTIONS } from '../ids.js';
import { type Click, type InteractionDeps, interactions } from '../interactions.js';

type Handler = (ctx: InteractionDeps, click: Click) => Promise<void>;

/** Every action id the app can emit, and what handles it. */
export const actionHandlers = {
  [ACTIONS.approve]: interactions.approve,
  [ACTIONS.reject]: interactions.reject,
  [ACTIONS.ignore]: interactions.ignore,
  [ACTIONS.shadowRun]: interactions.shadowRun,
  [ACTIONS.overrideRefusals]: interactions.openOverride,
  [ACTIONS.approveAll]: interactions.approveAll,
  [ACTIONS.showMore]: interactions.showMore,
  [ACTIONS.rollback]: interactions.rollback,
  [ACTIONS.claim]: interactions.openClaim,
  [ACTIONS.exempt]: interactions.openExempt,
  [ACTIONS.terminateNow]: interactions.terminateNow,
  [ACTIONS.homeRefresh]: interactions.homeRefresh,
  // A link button opens its URL in the browser; Slack still reports the click.
  [ACTIONS.openLink]: async () => {},
} as const satisfies Record<(typeof ACTIONS)[keyof typeof ACTIONS], Handler>;

export function clickOf(body: BlockAction): Click {
  const action = body.actions[0] as ButtonAction | undefined;
  return {
    user: body.user.id,
    channel: body.channel?.id ?? body.container?.channel_id,
    value: action?.value ?? '',
    triggerId: body.trigger_id,
  };
}

export function registerActions(app: App, ctx: InteractionDeps): void {
  for (const [actionId, handler] of Object.entries(actionHandlers) as [string, Handler][]) {
    app.action<BlockAction>(actionId, async ({ ack, body }) => {
      await ack();
      await handler(ctx, clickOf(body));
    });
  }
}
