// Five-field cron expressions (minute hour day-of-month month day-of-week) evaluated in a time
// zone: does a minute match, and when is the next match. node-cron schedules tasks but does not
// answer "when next" for an arbitrary zone and instant, which maintenance windows need.
const FIELDS = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12 },
  { name: 'day of week', min: 0, max: 7 }, // 0 and 7 are Sunday
] as const;

const NAMES: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
};

export interface Cron {
  sets: Set<number>[];
  /** Both day fields restricted: cron matches either (the classic rule). */
  dayOr: boolean;
}

function value(token: string, field: (typeof FIELDS)[number]): number {
  const n = NAMES[token.toLowerCase()] ?? (/^\d+$/.test(token) ? Number(token) : Number.NaN);
  if (!Number.isInteger(n) || n < field.min || n > field.max)
    throw new Error(`"${token}" is not a valid ${field.name} (${field.min}-${field.max})`);
  return n;
}

/** Parses a 5-field cron expression; throws an Error with a readable sentence when invalid. */
export function parseCron(expr: string): Cron {
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5)
    throw new Error(
      `"${expr}" has ${parts.length} fields; a cron expression has 5 (minute hour day month weekday)`,
    );
  const sets = parts.map((part, i) => {
    const field = FIELDS[i]!;
    const set = new Set<number>();
    for (const item of part.split(',')) {
      const [range, stepText] = item.split('/');
      const step = stepText === undefined ? 1 : Number(stepText);
      if (!Number.isInteger(step) || step < 1) throw new Error(`"${item}" has an invalid step`);
      let lo: number;
      let hi: number;
      if (range === '*') [lo, hi] = [field.min, field.max];
      else if (range?.includes('-')) {
        const [a, b] = range.split('-');
        [lo, hi] = [value(a ?? '', field), value(b ?? '', field)];
        if (lo > hi) throw new Error(`"${range}" is an empty range`);
      } else {
        lo = value(range ?? '', field);
        hi = stepText === undefined ? lo : field.max;
      }
      for (let v = lo; v <= hi; v += step) set.add(i === 4 && v === 7 ? 0 : v);
    }
    return set;
  });
  return { sets, dayOr: parts[2] !== '*' && parts[4] !== '*' };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock parts of an instant in a time zone (throws RangeError for an unknown zone). */
export function zonedParts(at: Date, timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return {
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    weekday: NAMES[String(p.weekday).toLowerCase()] ?? 0,
  };
}

export function isValidTimeZone(timeZone: string): boolean {
  try {
    zonedParts(new Date(0), timeZone);
    return true;
  } catch {
    return false;
  }
}

function dayMatches(cron: Cron, p: ReturnType<typeof zonedParts>): boolean {
  const dom = cron.sets[2]!.has(p.day);
  const dow = cron.sets[4]!.has(p.weekday);
  return (cron.dayOr ? dom || dow : dom && dow) && cron.sets[3]!.has(p.month);
}

/** Does the minute holding `at` match, on the wall clock of `timeZone`? */
export function cronMatches(cron: Cron, at: Date, timeZone: string): boolean {
  const p = zonedParts(at, timeZone);
  return dayMatches(cron, p) && cron.sets[1]!.has(p.hour) && cron.sets[0]!.has(p.minute);
}

const MINUTE = 60_000;

/**
 * The first matching minute at or after `from` (rounded up to a whole minute), looking at most
 * `horizonDays` ahead; null when there is none. Skips whole hours and days that cannot match.
 */
export function nextCronMatch(cron: Cron, from: Date, timeZone: string, horizonDays = 366): Date | null {
  let t = Math.ceil(from.getTime() / MINUTE) * MINUTE;
  const end = t + horizonDays * 24 * 60 * MINUTE;
  while (t <= end) {
    const p = zonedParts(new Date(t), timeZone);
    if (!dayMatches(cron, p)) t += (24 * 60 - (p.hour * 60 + p.minute)) * MINUTE;
    else if (!cron.sets[1]!.has(p.hour)) t += (60 - p.minute) * MINUTE;
    else if (!cron.sets[0]!.has(p.minute)) t += MINUTE;
    else return new Date(t);
  }
  return null;
}

/** The latest matching minute in (at - withinMs, at]; null when none (a window started then). */
export function lastCronMatch(cron: Cron, at: Date, timeZone: string, withinMs: number): Date | null {
  const start = Math.floor(at.getTime() / MINUTE) * MINUTE;
  for (let t = start; t > at.getTime() - withinMs; t -= MINUTE) {
    if (cronMatches(cron, new Date(t), timeZone)) return new Date(t);
  }
  return null;
}
