// The filters `/spot history` and `/spot savings` take, in any order: an account name, a number
// of days (`7` or `7d`, 1 to 365), a recommendation kind, and for savings the word `csv`. Each
// word that is none of these gets one sentence naming what would be valid.
import { FINDING_KINDS } from '../../../engine/finding-kinds.js';
import { UserError } from '../../../lib/errors.js';

export const MAX_DAYS = 365;
export const KIND_NAMES = Object.keys(FINDING_KINDS);

export interface ReportFilters {
  account?: string;
  days?: number;
  kind?: string;
  csv: boolean;
}

/** Parses the words after the subcommand; `accounts` are the connected account names. */
export function parseReportFilters(
  args: readonly string[],
  opts: { accounts: readonly string[]; csv?: boolean; usage: string },
): ReportFilters {
  const out: ReportFilters = { csv: false };
  const fail = (problem: string) => new UserError(`${problem}\nUsage: \`/spot ${opts.usage}\``);
  for (const raw of args) {
    const word = raw.trim();
    const lower = word.toLowerCase();
    if (opts.csv && lower === 'csv') {
      out.csv = true;
      continue;
    }
    const days = /^(\d{1,6})d?$/.exec(lower);
    if (days) {
      const n = Number(days[1]);
      if (out.days !== undefined) throw fail(`Give one number of days, not ${out.days} and ${n}.`);
      if (n < 1 || n > MAX_DAYS) throw fail(`Days must be between 1 and ${MAX_DAYS}; \`${word}\` is not.`);
      out.days = n;
      continue;
    }
    if (opts.accounts.includes(word)) {
      if (out.account !== undefined) throw fail(`Give one account, not \`${out.account}\` and \`${word}\`.`);
      out.account = word;
      continue;
    }
    if (KIND_NAMES.includes(lower)) {
      if (out.kind !== undefined) throw fail(`Give one kind, not \`${out.kind}\` and \`${lower}\`.`);
      out.kind = lower;
      continue;
    }
    const accounts = opts.accounts.length
      ? `Accounts: ${opts.accounts.map((a) => `\`${a}\``).join(', ')}.`
      : 'No account is connected yet.';
    throw fail(
      `\`${word.slice(0, 60)}\` is not a connected account, a number of days (1-${MAX_DAYS}) or a kind. ${accounts} Kinds: ${KIND_NAMES.map((k) => `\`${k}\``).join(', ')}.`,
    );
  }
  return out;
}

/** "lab · last 7 days · spot-lab", for headings and file names' descriptions. */
export function describeFilters(f: Omit<ReportFilters, 'csv'>): string {
  return [f.account, f.days ? `last ${f.days} day${f.days === 1 ? '' : 's'}` : undefined, f.kind]
    .filter(Boolean)
    .join(' · ');
}
