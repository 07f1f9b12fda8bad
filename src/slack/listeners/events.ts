// Slack events: App Home (Bolt acks events itself; the work runs in the lane).
import type { App } from '@slack/bolt';
import type { Deps } from '../../deps.js';
import { publishHome } from '../home.js';
import type { WorkLane } from '../work-lane.js';

export function registerEvents(app: App, deps: Deps, lane: WorkLane): void {
  app.event('app_home_opened', async ({ event }) => {
    if (event.tab !== 'home') return;
    await lane.run(() => publishHome(deps, event.user));
  });
}
