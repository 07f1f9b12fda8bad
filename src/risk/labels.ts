// Real labels: each risk assessment, once its horizon (7 days) has passed, is joined to what
// happened in its pool: did an interruption warning arrive for any instance in that pool (any
// account, PROD or LAB) within the horizon? The answer is stored on the assessment, and the
// labelled rows are what `spotops model evaluate` and `train-model` use as the bot's history.
import { and, asc, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { riskAssessments } from '../db/schema.js';
import type { Clock } from '../lib/clock.js';
import { FEATURE_COUNT, FEATURE_NAMES } from './features.js';
import type { LabelledRows } from './model/evaluation.js';

/** Labels every assessment whose horizon has passed; returns how many were labelled. */
export async function labelAssessments(db: Db, clock: Clock): Promise<number> {
  const now = clock.now();
  const rows = await db
    .update(riskAssessments)
    .set({
      interrupted: sql`exists (
        select 1 from pool_events e
        where e.kind = 'interruption'
          and e.region = ${riskAssessments.region}
          and e.availability_zone = ${riskAssessments.availabilityZone}
          and e.instance_type = ${riskAssessments.instanceType}
          and e.at > ${riskAssessments.at}
          and e.at <= ${riskAssessments.at} + make_interval(hours => ${riskAssessments.horizonHours})
      )`,
      labelledAt: now,
    })
    .where(
      and(
        isNull(riskAssessments.interrupted),
        sql`${riskAssessments.at} + make_interval(hours => ${riskAssessments.horizonHours}) <= ${now.toISOString()}::timestamptz`,
      ),
    )
    .returning({ id: riskAssessments.id });
  return rows.length;
}

/**
 * The labelled history as model rows, oldest first. Assessments stored with another feature
 * schema (an older model's) are skipped: their columns do not mean the same thing.
 */
export async function labelledHistory(db: Db): Promise<LabelledRows> {
  const rows = await db
    .select({ features: riskAssessments.features, interrupted: riskAssessments.interrupted })
    .from(riskAssessments)
    .where(isNotNull(riskAssessments.interrupted))
    .orderBy(asc(riskAssessments.at), asc(riskAssessments.id));
  const usable = rows.filter((r) => FEATURE_NAMES.every((n) => typeof r.features[n] === 'number'));
  const x = new Float32Array(usable.length * FEATURE_COUNT);
  const y = new Uint8Array(usable.length);
  usable.forEach((r, i) => {
    FEATURE_NAMES.forEach((n, f) => {
      x[i * FEATURE_COUNT + f] = r.features[n]!;
    });
    y[i] = r.interrupted ? 1 : 0;
  });
  return { x, y, rows: usable.length };
}
