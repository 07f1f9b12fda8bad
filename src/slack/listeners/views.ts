// Modal submissions: validation errors are returned in the ack (Slack shows them in the form). A
// valid submission is a decision (claim, exempt, approve a CRITICAL change, override refusals,
// schedule, policy): it is stored in the click inbox with one insert, acked (the modal closes),
// then taken in the work lane, like a decision click (slack/inbox.ts).
import type { App, ViewSubmitAction } from '@slack/bolt';
import { parseId } from '../blocks/index.js';
import { VIEWS } from '../ids.js';
import type { SlackLanes } from '../inbox.js';
import { type Click, type InteractionDeps, submissions } from '../interactions.js';

type SubmissionResult = { errors?: Record<string, string>; afterAck?: () => Promise<void> };
type Values = ViewSubmitAction['view']['state']['values'];
type Submission = (
  ctx: InteractionDeps,
  user: string,
  id: number,
  values: never,
) => SubmissionResult | Promise<SubmissionResult>;

/** Every modal the app opens, and what its submission does (the id is its private_metadata). */
export const viewSubmissions = {
  [VIEWS.claim]: submissions.claim,
  [VIEWS.exempt]: submissions.exempt,
  [VIEWS.confirmCritical]: submissions.confirmCritical,
  [VIEWS.overrideRefusals]: submissions.overrideRefusals,
  [VIEWS.schedule]: submissions.schedule,
  [VIEWS.policy]: submissions.policy,
} as const satisfies Record<(typeof VIEWS)[keyof typeof VIEWS], Submission>;

/** The inbox key of a modal's submission. */
export const viewInboxKey = (callbackId: string) => `view:${callbackId}`;

interface StoredSubmission {
  id: number;
  values: Values;
}

/**
 * Inbox handlers for stored submissions: validated again (a replay may come later than the
 * submission), then taken. A submission that no longer validates is logged, not taken.
 */
export const viewInboxHandlers: Record<string, (ctx: InteractionDeps, click: Click) => Promise<void>> =
  Object.fromEntries(
    Object.entries(viewSubmissions).map(([callbackId, submit]) => [
      viewInboxKey(callbackId),
      async (ctx: InteractionDeps, click: Click) => {
        const { id, values } = JSON.parse(click.value) as StoredSubmission;
        const r = await (submit as Submission)(ctx, click.user, id, values as never);
        if (r.errors) {
          // A submission carries no channel to answer in; the refusal is logged.
          ctx.deps.log.warn(
            { user: click.user, errors: r.errors },
            'a replayed form no longer validates; not taken',
          );
          return;
        }
        await r.afterAck?.();
      },
    ]),
  );

export function registerViews(app: App, ctx: InteractionDeps, lanes: SlackLanes): void {
  const log = ctx.deps.log.child({ module: 'views' });
  for (const [callbackId, submit] of Object.entries(viewSubmissions)) {
    app.view<ViewSubmitAction>(callbackId, async ({ ack, body, view }) => {
      const id = parseId(view.private_metadata ?? '');
      if (id === null) return ack();
      const values = view.state.values;
      let r: SubmissionResult;
      try {
        r = await (submit as Submission)(ctx, body.user.id, id, values as never);
      } catch (err) {
        log.error({ err, callbackId }, 'checking a modal submission failed; acked');
        return ack();
      }
      if (r.errors) return ack({ response_action: 'errors', errors: r.errors });
      const work = r.afterAck;
      if (!work) return ack();
      const key = viewInboxKey(callbackId);
      const click: Click = {
        user: body.user.id,
        value: JSON.stringify({ id, values } satisfies StoredSubmission),
      };
      await lanes.inbox.storeAckTake(
        key,
        click,
        () => ack(),
        async (err) => {
          // Not stored: taken anyway, without the crash guarantee (its own writes may fail too,
          // and then say so).
          log.error({ err, callbackId }, 'storing a modal submission failed');
          await lanes.lane.run(work);
        },
      );
    });
  }
}
