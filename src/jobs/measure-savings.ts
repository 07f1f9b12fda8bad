// Daily job: measures every live execution of the last 30 days from what happened
// (engine/measured-savings.ts) and says the result in the execution's thread, once a day,
// through audit() (the thread reply rides on the audit row); then labels the risk assessments
// whose horizon has passed (risk/labels.ts).
import type { Deps } from '../deps.js';
import { audit } from '../engine/audit.js';
import { measurementLine, measureRecentExecutions } from '../engine/measured-savings.js';
import { labelAssessments } from '../risk/labels.js';

/** 06:30 UTC daily: after the night's price refresh, before the digest. */
export const MEASURE_SAVINGS_SCHEDULE = '30 6 * * *';

export async function measureSavings(deps: Deps): Promise<string> {
  const measured = await measureRecentExecutions({
    db: deps.db,
    clock: deps.clock,
    prices: { pricing: deps.operator.pricing, logger: deps.log },
  });
  for (const m of measured) {
    await audit(deps, {
      actor: 'system',
      event: 'savings_measured',
      message: measurementLine(m),
      executionId: m.executionId,
      detail: { method: m.method, savedUsd: m.savedUsd, monthlyRateUsd: m.monthlyRateUsd },
    });
  }
  const total = measured.reduce((n, m) => n + m.savedUsd, 0);
  // The same daily pass joins risk assessments whose 7-day horizon has passed to what happened.
  const labelled = await labelAssessments(deps.db, deps.clock);
  return `${measured.length} executions measured, $${total.toFixed(2)} saved so far; ${labelled} risk assessments labelled`;
}
