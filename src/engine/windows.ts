// When approved work may run, from the account's policy and the clock: never inside a change
// freeze (approved or not), and, when maintenance windows are set, only inside one. Pure: the
// claim loop (engine/executions.ts) asks it for each fresh candidate and, when the answer is
// "not now", moves the execution to the next allowed time instead of running it.
import { type Cron, lastCronMatch, nextCronMatch, parseCron } from '../lib/cron-next.js';
import type { ApprovalPolicy } from './policy.js';

export type RunGate =
  | { ok: true }
  | {
      ok: false;
      kind: 'freeze' | 'maintenance';
      /** A sentence for the card: "change freeze until ...", "outside the maintenance windows". */
      reason: string;
      /** The earliest time it may run; null when no window opens within a year. */
      nextAt: Date | null;
    };

type Windows = Pick<ApprovalPolicy, 'freezes' | 'maintenanceWindows' | 'timeZone'>;

const MINUTE = 60_000;

function freezeAt(policy: Windows, at: Date) {
  return policy.freezes.find((f) => f.start <= at && at < f.end);
}

function insideMaintenance(windows: { cron: Cron; ms: number }[], at: Date, tz: string): boolean {
  return windows.some((w) => lastCronMatch(w.cron, at, tz, w.ms) !== null);
}

function nextMaintenanceStart(windows: { cron: Cron; ms: number }[], from: Date, tz: string): Date | null {
  const starts = windows
    .map((w) => nextCronMatch(w.cron, from, tz))
    .filter((d): d is Date => d !== null)
    .sort((a, b) => a.getTime() - b.getTime());
  return starts[0] ?? null;
}

/** May approved work run at `now`; if not, why and from when. */
export function runGate(policy: Windows, now: Date): RunGate {
  const windows = policy.maintenanceWindows.map((w) => ({
    cron: parseCron(w.cron),
    ms: w.durationMinutes * MINUTE,
  }));
  const frozen = freezeAt(policy, now);
  if (!frozen && (windows.length === 0 || insideMaintenance(windows, now, policy.timeZone)))
    return { ok: true };

  // The earliest instant after now that is out of every freeze and inside a window (if any):
  // alternate between "end of the freeze covering t" and "next window start", a few rounds.
  let t = frozen ? frozen.end : now;
  for (let round = 0; round < 20; round += 1) {
    const f = freezeAt(policy, t);
    if (f) {
      t = f.end;
      continue;
    }
    if (windows.length === 0 || insideMaintenance(windows, t, policy.timeZone)) break;
    const next = nextMaintenanceStart(windows, t, policy.timeZone);
    if (!next) {
      t = new Date(Number.NaN);
      break;
    }
    t = next;
  }
  const nextAt = Number.isNaN(t.getTime()) ? null : t;
  if (frozen) {
    const why = frozen.reason ? ` (${frozen.reason})` : '';
    return {
      ok: false,
      kind: 'freeze',
      reason: `change freeze${why} until ${frozen.end.toISOString()}`,
      nextAt,
    };
  }
  return { ok: false, kind: 'maintenance', reason: 'outside the maintenance windows', nextAt };
}
