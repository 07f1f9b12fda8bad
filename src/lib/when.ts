// "When" as a person types it in `/spot schedule` or the Schedule modal: `now`, `in 2h`,
// `in 90 minutes`, `today 17:30`, `tomorrow 09:00`, or an ISO date-time (`2026-12-03T09:00Z`,
// `2026-12-03 09:00`; no offset means UTC). Pure: the caller passes "now". Every refusal is a
// sentence that says what would have worked.
import { DAY, HOUR, MINUTE } from './clock.js';

export type When = { ok: true; at: Date } | { ok: false; message: string };

/** Further ahead than this is more likely a typo than a plan. */
export const MAX_AHEAD_MS = 90 * DAY;
/** A time this little in the past (a slow typist) still means "now". */
const PAST_SLACK_MS = MINUTE;

const EXAMPLES = '`now`, `in 2h`, `tomorrow 09:00` or `2026-12-03T09:00Z`';

const UNITS: Record<string, number> = {
  m: MINUTE,
  min: MINUTE,
  mins: MINUTE,
  minute: MINUTE,
  minutes: MINUTE,
  h: HOUR,
  hr: HOUR,
  hrs: HOUR,
  hour: HOUR,
  hours: HOUR,
  d: DAY,
  day: DAY,
  days: DAY,
};

export function parseWhen(text: string, now: Date): When {
  const words = text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return refuse(`Say when: ${EXAMPLES}.`);
  const at = parseWords(words, now);
  if (!at.ok) return at;
  const ms = at.at.getTime();
  if (Number.isNaN(ms)) return refuse(`"${text.trim()}" is not a date and time I can read; try ${EXAMPLES}.`);
  if (ms < now.getTime() - PAST_SLACK_MS) {
    return refuse(
      `${at.at.toISOString().slice(0, 16).replace('T', ' ')} UTC is in the past; say \`now\` to run it as soon as possible.`,
    );
  }
  if (ms > now.getTime() + MAX_AHEAD_MS)
    return refuse('That is more than 90 days ahead; pick a nearer time.');
  return { ok: true, at: new Date(Math.max(ms, now.getTime())) };
}

function parseWords(words: string[], now: Date): When {
  const [first, ...rest] = words as [string, ...string[]];
  if (first === 'now' && rest.length === 0) return { ok: true, at: now };
  if (first === 'in') return parseIn(rest.join(''), now);
  if (first === 'today' || first === 'tomorrow') {
    const day = new Date(now);
    day.setUTCHours(0, 0, 0, 0);
    if (first === 'tomorrow') day.setUTCDate(day.getUTCDate() + 1);
    if (rest.length !== 1) return refuse(`Say the time too (UTC), e.g. \`${first} 09:00\`.`);
    const t = clock(rest[0]!);
    if (t === null)
      return refuse(`"${rest[0]}" is not a time; use 24-hour HH:MM (UTC), e.g. \`${first} 09:00\`.`);
    return { ok: true, at: new Date(day.getTime() + t) };
  }
  return parseIso(words.join('t'), words.join(' '));
}

function parseIn(amount: string, now: Date): When {
  // "2h", "2 h", "2 hours", "1h30m"
  const parts = [...amount.matchAll(/(\d+(?:\.\d+)?)([a-z]+)/g)];
  const joined = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || joined !== amount) {
    return refuse('Say how long from now with a unit, e.g. `in 30m`, `in 2h` or `in 1d`.');
  }
  let ms = 0;
  for (const [, n, unit] of parts) {
    const size = UNITS[unit!];
    if (size === undefined) return refuse(`"${unit}" is not a unit I know; use m, h or d (e.g. \`in 2h\`).`);
    ms += Number(n) * size;
  }
  return { ok: true, at: new Date(now.getTime() + Math.round(ms)) };
}

/** HH:MM (24 h) as milliseconds after midnight, or null. */
function clock(word: string): number | null {
  const m = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(word);
  return m ? Number(m[1]) * HOUR + Number(m[2]) * MINUTE : null;
}

function parseIso(word: string, typed: string): When {
  // 2026-12-03T09:00[:00][Z|+01:00]
  const m = /^(\d{4}-\d{2}-\d{2})t(\d{2}:\d{2}(?::\d{2})?)(z|[+-]\d{2}:?\d{2})?$/.exec(word);
  if (!m) return refuse(`"${typed}" is not a time I can read; try ${EXAMPLES}.`);
  const zone = m[3] === undefined || m[3] === 'z' ? 'Z' : m[3];
  const at = new Date(`${m[1]}T${m[2]}${zone}`);
  // Date() rolls 2026-02-31 over into March: refuse dates that do not exist instead.
  if (Number.isNaN(at.getTime()) || (zone === 'Z' && at.toISOString().slice(0, 10) !== m[1])) {
    return refuse(`${m[1]} ${m[2]} is not a real date and time.`);
  }
  return { ok: true, at };
}

function refuse(message: string): When {
  return { ok: false, message };
}
