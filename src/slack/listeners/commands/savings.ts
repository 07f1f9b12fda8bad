// /spot savings: estimate vs measured per kind (engine/measured-savings.ts) and the ESR.
import { replacedBeforeTerminationRate } from '../../../db/queries/interruption-responses.js';
import { effectiveSavingsRateNow } from '../../../engine/effective-savings-rate.js';
import { measuredSavingsByKind } from '../../../engine/measured-savings.js';
import { kindLabel } from '../../../engine/reports.js';
import { savingsReport } from '../../blocks/measured-savings.js';
import type { Subcommand } from './spot.js';

export const savingsCommand: Subcommand = async (ctx) =>
  savingsReport({
    rows: (await measuredSavingsByKind(ctx.deps.db)).map((r) => ({ ...r, label: kindLabel(r.kind) })),
    esr: await effectiveSavingsRateNow(ctx.deps.db),
    interruptions: await replacedBeforeTerminationRate(ctx.deps.db),
  });
