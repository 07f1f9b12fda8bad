// Formatting shared by the builders: money, hourly prices, dates (Slack's reader-time-zone date
// tokens, with a UTC fallback that never depends on the server's time zone), users, plurals.
import { escapeMrkdwn } from './limits.js';

const usd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** `$84.10`, `$1,234.50`, `-$3.00`. */
export function money(n: number): string {
  return usd.format(Number.isFinite(n) ? n : 0);
}

/** Monthly amount as shown on cards: `$84.10/month`. */
export function perMonth(n: number): string {
  return `${money(n)}/month`;
}

/** Hourly instance prices need four decimals: `$0.0416/h`. */
export function perHour(n: number): string {
  return `$${(Number.isFinite(n) ? n : 0).toFixed(4)}/h`;
}

/** `2026-01-12 14:00 UTC`: the fallback Slack shows when it cannot render a date token. */
export function utc(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** `2026-01-12` (UTC). */
export function utcDate(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/**
 * A date Slack renders in the reader's own time zone, e.g.
 * `<!date^1768226400^{date_short_pretty} at {time}|2026-01-12 14:00 UTC>`.
 */
export function slackDate(d: Date, format = '{date_short_pretty} at {time}'): string {
  return `<!date^${Math.floor(d.getTime() / 1000)}^${format}|${utc(d)}>`;
}

/** Day-precision variant for expiry dates. */
export function slackDay(d: Date): string {
  return `<!date^${Math.floor(d.getTime() / 1000)}^{date_short_pretty}|${utcDate(d)}>`;
}

/** "in 3 days", "in 5 hours", "2 days ago": coarse, for secondary context lines. */
export function relative(d: Date, now: Date): string {
  const ms = d.getTime() - now.getTime();
  const abs = Math.abs(ms);
  const minutes = Math.round(abs / 60_000);
  const hours = Math.round(abs / 3_600_000);
  const days = Math.round(abs / 86_400_000);
  const span =
    minutes < 60
      ? plural(Math.max(minutes, 1), 'minute')
      : hours < 48
        ? plural(hours, 'hour')
        : plural(days, 'day');
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

/** `1 volume`, `7 volumes`; pass the plural when it is not just +s. */
export function plural(n: number, singular: string, pluralForm = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : pluralForm}`;
}

/**
 * A Slack user mention for IDs (`U…`/`W…`), escaped text otherwise ("system", an IAM principal).
 */
export function who(actor: string | null | undefined): string {
  if (!actor) return 'unknown';
  if (/^[UW][A-Z0-9]+$/.test(actor)) return `<@${actor}>`;
  return escapeMrkdwn(actor);
}

/** The notification text cannot render mentions nicely, so it keeps the raw id. */
export function whoPlain(actor: string | null | undefined): string {
  return actor ? actor : 'unknown';
}

/** `prod-main (123456789012)` with the user-provided name escaped. */
export function accountLabel(a: { name: string; awsAccountId?: string | null }): string {
  return a.awsAccountId ? `${escapeMrkdwn(a.name)} (${a.awsAccountId})` : escapeMrkdwn(a.name);
}

/** Risk score as a percentage, `0.37` -> `37%`. */
/** A probability as a percentage; small ones keep two significant digits (0.034%), never "0%". */
export function percent(score: number): string {
  const pct = score * 100;
  if (pct === 0 || pct >= 1) return `${Math.round(pct)}%`;
  return `${Number(pct.toPrecision(2))}%`;
}

export const RISK_EMOJI = {
  LOW: ':large_green_circle:',
  MEDIUM: ':large_yellow_circle:',
  HIGH: ':red_circle:',
  CRITICAL: ':rotating_light:',
} as const;
