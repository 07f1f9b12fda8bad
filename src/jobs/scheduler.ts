// Runs the jobs table on node-cron. Each run holds a database advisory lock named after the
// job, so a job runs at most once at a time, also across replicas (in-process on PGlite).
import cron, { type ScheduledTask } from 'node-cron';
import type { Deps } from '../deps.js';

export interface Job {
  name: string;
  /** node-cron expression (5 fields, or 6 with seconds). */
  schedule: string;
  run(deps: Deps): Promise<string | undefined>;
}

export type JobOutcome =
  | { ran: true; summary?: string }
  | { ran: false; reason: 'locked' }
  | { ran: false; reason: 'failed'; error: unknown };

/** One run of a job under its lock; never throws. */
export async function runJob(deps: Deps, job: Job): Promise<JobOutcome> {
  const log = deps.log.child({ job: job.name });
  try {
    const r = await deps.database.withAdvisoryLock(`spotops:job:${job.name}`, () => job.run(deps));
    if (!r.acquired) {
      log.debug('another run holds the lock; skipped');
      return { ran: false, reason: 'locked' };
    }
    if (r.value) log.info({ summary: r.value }, 'job done');
    return { ran: true, summary: r.value };
  } catch (error) {
    log.error({ err: error }, 'job failed');
    return { ran: false, reason: 'failed', error };
  }
}

export function startJobs(deps: Deps, jobs: readonly Job[]): { stop(): Promise<void> } {
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(job.schedule, () => void runJob(deps, job), { name: job.name, noOverlap: true }),
  );
  return {
    async stop() {
      await Promise.all(tasks.map((t) => t.stop()));
    },
  };
}
