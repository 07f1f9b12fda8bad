// Slack events: App Home.
import type { App } from '@slack/bolt';
import type { Deps } from '../../deps.js';
import { publishHome } from '../home.js';

export function registerEvents(app: App, deps: Deps): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await publishHome(deps, event.user);
  });
}
