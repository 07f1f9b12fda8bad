// Modal submissions: validation errors are returned in the ack (Slack shows them in the form);
// a valid submission closes the modal and its work runs in the work lane, after the ack.
import type { App, ViewSubmitAction } from '@slack/bolt';
import { parseId } from '../blocks/index.js';
import { VIEWS } from '../ids.js';
import { type InteractionDeps, submissions } from '../interactions.js';
import type { WorkLane } from '../work-lane.js';

function recOf(view: ViewSubmitAction['view']): number | null {
  return parseId(view.private_metadata ?? '');
}

export function registerViews(app: App, ctx: InteractionDeps, lane: WorkLane): void {
  const after = async (r: { afterAck?: () => Promise<void> }) => {
    const work = r.afterAck;
    if (work) await lane.run(work);
  };
  app.view<ViewSubmitAction>(VIEWS.claim, async ({ ack, body, view }) => {
    const recId = recOf(view);
    if (recId === null) return ack();
    const r = submissions.claim(ctx, body.user.id, recId, view.state.values as never);
    await ack(r.errors ? { response_action: 'errors', errors: r.errors } : undefined);
    await after(r);
  });
  app.view<ViewSubmitAction>(VIEWS.exempt, async ({ ack, body, view }) => {
    const recId = recOf(view);
    if (recId === null) return ack();
    const r = submissions.exempt(ctx, body.user.id, recId, view.state.values as never);
    await ack(r.errors ? { response_action: 'errors', errors: r.errors } : undefined);
    await after(r);
  });
  app.view<ViewSubmitAction>(VIEWS.overrideRefusals, async ({ ack, body, view }) => {
    const recId = recOf(view);
    if (recId === null) return ack();
    const r = submissions.overrideRefusals(ctx, body.user.id, recId, view.state.values as never);
    await ack(r.errors ? { response_action: 'errors', errors: r.errors } : undefined);
    await after(r);
  });
  app.view<ViewSubmitAction>(VIEWS.schedule, async ({ ack, body, view }) => {
    const recId = recOf(view);
    if (recId === null) return ack();
    const r = submissions.schedule(ctx, body.user.id, recId, view.state.values as never);
    await ack(r.errors ? { response_action: 'errors', errors: r.errors } : undefined);
    await after(r);
  });
  app.view<ViewSubmitAction>(VIEWS.confirmCritical, async ({ ack, body, view }) => {
    const recId = recOf(view);
    if (recId === null) return ack();
    const r = await submissions
      .confirmCritical(ctx, body.user.id, recId, view.state.values as never)
      .catch(() => ({ errors: undefined, afterAck: undefined }));
    await ack(r.errors ? { response_action: 'errors', errors: r.errors } : undefined);
    await after(r);
  });
  app.view<ViewSubmitAction>(VIEWS.policy, async ({ ack, body, view }) => {
    const accountId = recOf(view);
    if (accountId === null) return ack();
    const r = submissions.policy(ctx, body.user.id, accountId, view.state.values as never);
    await ack(r.errors ? { response_action: 'errors', errors: r.errors } : undefined);
    await after(r);
  });
}
