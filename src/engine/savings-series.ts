// Savings over time for the digest's chart: per day of the last N days (in the digest's time
// zone), the monthly savings of the live executions finished by that day, as approved (the
// estimate) and as measured afterwards (measured_savings' current run rate, 0 once rolled back).
// Two GROUP BY statements (the days in the window and everything before it); no row is loaded.
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../db/client.js';
import { rows } from '../db/sets.js';
import { DAY } from '../lib/clock.js';

export interface SavingsPoint {
  /** YYYY-MM-DD in the series' time zone. */
  day: string;
  estimatedMonthlyUsd: number;
  measuredMonthlyUsd: number;
  /** Executions finished that day. */
  executions: number;
}

const LIVE = sql.raw(
  `e.dry_run = false and e.status in ('succeeded', 'rolled_back') and e.finished_at is not null`,
);

/** `days` points, oldest first, ending with today in `timeZone`; cumulative from the first execution. */
export async function savingsSeries(
  db: DbOrTx,
  opts: { now: Date; days: number; timeZone: string },
): Promise<SavingsPoint[]> {
  const tz = opts.timeZone;
  const today = dayIn(opts.now, tz);
  const first = addDays(today, -(opts.days - 1));
  const localDay = sql`to_char((e.finished_at at time zone ${tz}), 'YYYY-MM-DD')`;
  // Everything before the window, so the line starts where the savings stood.
  const [base] = await rows<{ est: number; measured: number }>(
    db,
    sql`select coalesce(sum(coalesce(m.estimated_monthly_usd, e.estimated_monthly_savings, 0)), 0)::float8 as est,
          coalesce(sum(m.monthly_rate_usd), 0)::float8 as measured
        from executions e left join measured_savings m on m.execution_id = e.id
        where ${LIVE} and ${localDay} < ${first}`,
  );
  const perDay = await rows<{ day: string; est: number; measured: number; n: number }>(
    db,
    sql`select ${localDay} as day,
          coalesce(sum(coalesce(m.estimated_monthly_usd, e.estimated_monthly_savings, 0)), 0)::float8 as est,
          coalesce(sum(m.monthly_rate_usd), 0)::float8 as measured, count(*)::int as n
        from executions e left join measured_savings m on m.execution_id = e.id
        where ${LIVE} and e.finished_at >= ${new Date(opts.now.getTime() - (opts.days + 1) * DAY).toISOString()}::timestamptz
        group by 1`,
  );
  const byDay = new Map(perDay.map((r) => [r.day, r]));
  let est = base?.est ?? 0;
  let measured = base?.measured ?? 0;
  const out: SavingsPoint[] = [];
  for (let i = 0; i < opts.days; i++) {
    const day = addDays(first, i);
    const r = byDay.get(day);
    est += r?.est ?? 0;
    measured += r?.measured ?? 0;
    out.push({
      day,
      estimatedMonthlyUsd: cents(est),
      measuredMonthlyUsd: cents(measured),
      executions: r?.n ?? 0,
    });
  }
  return out;
}

const cents = (n: number) => Math.round(n * 100) / 100;

/** The calendar day of `d` in `timeZone`, as YYYY-MM-DD. */
export function dayIn(d: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(d);
}

function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
