// /spot history
import { recentExecutions } from '../../../engine/reports.js';
import { historyMessage } from '../../blocks/history.js';
import type { Subcommand } from './spot.js';

export const historyCommand: Subcommand = async (ctx) =>
  historyMessage(await recentExecutions(ctx.deps.db, 15));
