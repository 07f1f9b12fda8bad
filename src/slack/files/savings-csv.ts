// The savings CSV `/spot savings ... csv` uploads: one row per live execution, RFC 4180 (CRLF,
// quoted where needed) via csv-stringify, with a header row. Money in USD with cents; times in
// ISO 8601 UTC; empty cells where nothing was measured yet.
import { stringify } from 'csv-stringify/sync';
import type { SavingsExportRow } from '../../engine/history.js';

export const SAVINGS_CSV_COLUMNS = [
  'execution_id',
  'recommendation_id',
  'account',
  'region',
  'kind',
  'executor',
  'resource_id',
  'status',
  'approved_by',
  'created_at',
  'finished_at',
  'estimated_monthly_usd',
  'measured_monthly_usd',
  'saved_to_date_usd',
  'measurement_method',
  'measured_at',
] as const;

const usd = (n: number | null) => (n === null ? '' : n.toFixed(2));
const iso = (d: Date | null) => (d ? d.toISOString() : '');

export function savingsCsv(rows: readonly SavingsExportRow[]): string {
  return stringify(
    rows.map((r) => [
      String(r.executionId),
      r.recommendationId === null ? '' : String(r.recommendationId),
      r.account,
      r.region,
      r.kind ?? '',
      r.executor,
      r.resourceId ?? '',
      r.status,
      r.approvedBy ?? '',
      iso(r.createdAt),
      iso(r.finishedAt),
      usd(r.estimatedMonthlyUsd),
      usd(r.measuredMonthlyUsd),
      usd(r.savedToDateUsd),
      r.measurementMethod ?? '',
      iso(r.measuredAt),
    ]),
    { header: true, columns: [...SAVINGS_CSV_COLUMNS], record_delimiter: 'windows' },
  );
}
