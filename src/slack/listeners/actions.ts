// Button clicks: parsed at the edge (zod), then handed over to interactions.ts through the work
// lane, after the ack. Clicks that decide something (approve, reject, ignore, roll back...) are
// first stored in the click inbox with one insert, so a decision acked is a decision that will
// be taken even if the process dies right after the ack (slack/inbox.ts). A click whose decision
// is not taken yet never looks decided: the card and the clicker's answer are outbox rows
// written in the decision's own transaction.
import type { App, BlockAction } from '@slack/bolt';
import { z } from 'zod';
import { ACTIONS } from '../ids.js';
import type { SlackLanes } from '../inbox.js';
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
  [ACTIONS.schedule]: interactions.openSchedule,
  [ACTIONS.cancelExecution]: interactions.cancelExecution,
  [ACTIONS.claim]: interactions.openClaim,
  [ACTIONS.exempt]: interactions.openExempt,
  [ACTIONS.terminateNow]: interactions.terminateNow,
  [ACTIONS.homeRefresh]: interactions.homeRefresh,
  // A link button opens its URL in the browser; Slack still reports the click.
  [ACTIONS.openLink]: async () => {},
} as const satisfies Record<(typeof ACTIONS)[keyof typeof ACTIONS], Handler>;

/** Clicks that decide something: stored in the inbox before the ack, decided after it. */
export const DECISION_CLICKS: ReadonlySet<string> = new Set([
  ACTIONS.approve,
  ACTIONS.reject,
  ACTIONS.ignore,
  ACTIONS.shadowRun,
  ACTIONS.terminateNow,
  ACTIONS.cancelExecution,
  ACTIONS.rollback,
  ACTIONS.approveAll,
]);

const id = z.string().min(1).max(255);
/** The parts of a block_actions payload the app reads; anything else is ignored. */
const blockAction = z.object({
  user: z.object({ id }),
  trigger_id: id.optional(),
  channel: z.object({ id }).nullish(),
  container: z.object({ channel_id: id.optional() }).passthrough().nullish(),
  actions: z.array(z.object({ action_id: id, value: z.string().max(2000).optional() }).passthrough()).min(1),
});

export function clickOf(body: unknown): Click | null {
  const r = blockAction.safeParse(body);
  if (!r.success) return null;
  const b = r.data;
  return {
    user: b.user.id,
    channel: b.channel?.id ?? b.container?.channel_id,
    value: b.actions[0]!.value ?? '',
    triggerId: b.trigger_id,
  };
}

export function registerActions(app: App, ctx: InteractionDeps, lanes: SlackLanes): void {
  const log = ctx.deps.log.child({ module: 'actions' });
  for (const [actionId, handler] of Object.entries(actionHandlers) as [string, Handler][]) {
    app.action<BlockAction>(actionId, async ({ ack, body, respond }) => {
      const click = clickOf(body);
      if (!click) {
        log.warn({ actionId }, 'malformed click payload; acked and ignored');
        await ack();
        return;
      }
      if (!DECISION_CLICKS.has(actionId)) {
        await ack();
        await lanes.lane.run(() => handler(ctx, click));
        return;
      }
      await lanes.inbox.storeAckTake(actionId, click, ack, async (err) => {
        // Nothing was stored, so nothing will happen: say so at once (the outbox is in the same
        // database, so this one answer goes straight to the click's response_url; some surfaces
        // have none, and respond then throws).
        log.error({ err, actionId }, 'storing a click failed');
        await (async () =>
          respond({
            response_type: 'ephemeral',
            replace_original: false,
            text: ':warning: spotops could not record your click (its database did not answer); nothing was changed. Try again in a minute.',
          }))().catch((e) => log.warn({ err: e }, 'answering a lost click failed'));
      });
    });
  }
  // Any other action id (an old card, another app's button): acked and logged, never a 404.
  app.action(/.*/, async ({ ack, action, body }) => {
    const actionId = (action as { action_id?: unknown }).action_id;
    if (typeof actionId === 'string' && Object.hasOwn(actionHandlers, actionId)) return;
    log.warn({ actionId, type: (body as { type?: unknown }).type }, 'unknown action; acked and ignored');
    await ack();
  });
}
