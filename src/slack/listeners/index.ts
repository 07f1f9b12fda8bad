// Every listener the app has, registered in one place.
import type { App } from '@slack/bolt';
import type { SlackDirectory } from '../../accounts/approvers.js';
import type { Deps } from '../../deps.js';
import { registerCommands } from './commands/index.js';
import { registerEvents } from './events.js';

export function registerListeners(app: App, deps: Deps, directory: SlackDirectory): void {
  registerCommands(app, deps, directory);
  registerEvents(app, deps);
}
