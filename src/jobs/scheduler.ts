// Runs the jobs table on node-cron. Each run holds a database advisory lock named after the
// job, so a job runs at most once at a time, also across replicas (in-process on PGlite).
import cron, { type ScheduledTask } from 'node-cron';
import type { Deps } from '../deps.js';

export interface Job {
  name: string;
  /** node-cron expression (5 fields, or 6 with seconds). */
  schedule: string;
  /** IANA time zone the expression is read in; the process's own when absent. */
  timezone?: string;
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

const taskOptions = (job: Job) => ({
  name: job.name,
  noOverlap: true,
  ...(job.timezone ? { timezone: job.timezone } : {}),
});

/** Whether the job's schedule fires at `at` (to the minute), read in its time zone. */
export function runsAt(job: Job, at: Date): boolean {
  const task = cron.createTask(job.schedule, () => undefined, {
    ...taskOptions(job),
    name: `${job.name}-probe`,
  });
  try {
    return task.match(at);
  } finally {
    void task.destroy();
  }
}

export function startJobs(deps: Deps, jobs: readonly Job[]): { stop(): Promise<void> } {
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(job.schedule, () => void runJob(deps, job), taskOptions(job)),
  );
  return {
    async stop() {
      await Promise.all(tasks.map((t) => t.stop()));
    },
  };
}
