// Every listener the app has, registered in one place, plus catch-alls so that a view, shortcut
// or options request nobody handles is acked (and logged) instead of timing out.
import type { App } from '@slack/bolt';
import { VIEWS } from '../ids.js';
import type { SlackLanes } from '../inbox.js';
import type { InteractionDeps } from '../interactions.js';
import { registerActions } from './actions.js';
import { registerCommands } from './commands/index.js';
import { registerEvents } from './events.js';
import { registerViews } from './views.js';

const KNOWN_VIEWS: ReadonlySet<string> = new Set(Object.values(VIEWS));

export function registerListeners(app: App, ctx: InteractionDeps, lanes: SlackLanes): void {
  const log = ctx.deps.log.child({ module: 'listeners' });
  registerCommands(app, ctx.deps, ctx.directory, lanes.lane, () => ctx.kick());
  registerEvents(app, ctx.deps, lanes.lane);
  registerActions(app, ctx, lanes);
  registerViews(app, ctx, lanes);
  app.view(/.*/, async ({ ack, view, body }) => {
    const id = (view as { callback_id?: unknown }).callback_id;
    if (typeof id === 'string' && KNOWN_VIEWS.has(id)) return;
    log.warn({ callbackId: id, type: (body as { type?: unknown }).type }, 'unknown view; acked and ignored');
    await ack();
  });
  app.shortcut(/.*/, async ({ ack, shortcut }) => {
    log.warn({ callbackId: (shortcut as { callback_id?: unknown }).callback_id }, 'unknown shortcut; acked');
    await ack();
  });
  app.options(/.*/, async ({ ack }) => {
    await ack({ options: [] });
  });
}
