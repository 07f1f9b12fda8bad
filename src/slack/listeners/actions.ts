// Button clicks: parsed at the edge (zod), then handed over to interactions.ts. Clicks that
// decide something (approve, reject, ignore, terminate...) commit their decision (and its
// outbox rows) before the ack, within a deadline well inside Slack's 3 seconds; a decision
// slower than that is acked anyway and its outcome arrives through the outbox. Everything
// else acks first. A click whose decision did not commit never looks decided: the card and the
// clicker's answer are outbox rows written in the decision's own transaction.
import type { App, BlockAction } from '@slack/bolt';
import { z } from 'zod';
import type { Logger } from '../../lib/logger.js';
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
  [ACTIONS.schedule]: interactions.openSchedule,
  [ACTIONS.cancelExecution]: interactions.cancelExecution,
  [ACTIONS.claim]: interactions.openClaim,
  [ACTIONS.exempt]: interactions.openExempt,
  [ACTIONS.terminateNow]: interactions.terminateNow,
  [ACTIONS.homeRefresh]: interactions.homeRefresh,
  // A link button opens its URL in the browser; Slack still reports the click.
  [ACTIONS.openLink]: async () => {},
} as const satisfies Record<(typeof ACTIONS)[keyof typeof ACTIONS], Handler>;

/** Clicks whose ack waits for the decision to commit (bounded by COMMIT_DEADLINE_MS). */
export const COMMIT_BEFORE_ACK: ReadonlySet<string> = new Set([
  ACTIONS.approve,
  ACTIONS.reject,
  ACTIONS.ignore,
  ACTIONS.shadowRun,
  ACTIONS.terminateNow,
  ACTIONS.cancelExecution,
]);
export const COMMIT_DEADLINE_MS = 2000;

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

export function registerActions(app: App, ctx: InteractionDeps): void {
  const log = ctx.deps.log.child({ module: 'actions' });
  for (const [actionId, handler] of Object.entries(actionHandlers) as [string, Handler][]) {
    app.action<BlockAction>(actionId, async ({ ack, body }) => {
      const click = clickOf(body);
      if (!click) {
        log.warn({ actionId }, 'malformed click payload; acked and ignored');
        await ack();
        return;
      }
      if (!COMMIT_BEFORE_ACK.has(actionId)) {
        await ack();
        await handler(ctx, click);
        return;
      }
      const work = handler(ctx, click).catch((err) => log.error({ err, actionId }, 'click handling failed'));
      await withinDeadline(work, COMMIT_DEADLINE_MS, log, actionId);
      await ack();
      await work;
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

async function withinDeadline(
  work: Promise<unknown>,
  ms: number,
  log: Logger,
  actionId: string,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  const r = await Promise.race([work.then(() => 'done' as const), late]);
  clearTimeout(timer);
  if (r === 'late') log.warn({ actionId }, 'decision slower than the ack deadline; acked, outcome follows');
}
