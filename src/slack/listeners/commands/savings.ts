// /spot savings
import { kindLabel, savingsByKind } from '../../../engine/reports.js';
import { savingsMessage } from '../../blocks/history.js';
import type { Subcommand } from './spot.js';

export const savingsCommand: Subcommand = async (ctx) =>
  savingsMessage((await savingsByKind(ctx.deps.db)).map((r) => ({ ...r, label: kindLabel(r.kind) })));
