// Every listener the app has, registered in one place.
import type { App } from '@slack/bolt';
import type { InteractionDeps } from '../interactions.js';
import { registerActions } from './actions.js';
import { registerCommands } from './commands/index.js';
import { registerEvents } from './events.js';
import { registerViews } from './views.js';

export function registerListeners(app: App, ctx: InteractionDeps): void {
  registerCommands(app, ctx.deps, ctx.directory);
  registerEvents(app, ctx.deps);
  registerActions(app, ctx);
  registerViews(app, ctx);
}
