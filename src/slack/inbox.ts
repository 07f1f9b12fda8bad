// The click inbox: a decision click (Approve, Reject, Ignore, Roll back, ...) is stored with one
// insert before the ack, so an acked decision is never lost, and is taken after the ack through
// the work lane, so no ack waits on the decision's transaction (issue 9). A process that dies
// between the two leaves the row claimed; when its claim lapses the replay sweep takes it over.
// The decisions are guarded transitions, so a replay of a decision that did commit only answers
// "already decided". A click older than REPLAY_MAX_AGE_MS when replayed is not acted on: the
// clicker is told to click again if it still applies.
import {
  finishClick,
  MAX_ATTEMPTS,
  type NewClick,
  pruneProcessed,
  recordClicks,
  takeOverLapsed,
} from '../db/queries/interaction-inbox.js';
import type { StoredClick } from '../db/schema.js';
import { enqueueEphemeral } from '../engine/outbox.js';
import type { Click, InteractionDeps } from './interactions.js';
import type { WorkLane } from './work-lane.js';

/** How long the receiving process owns a click before another may replay it. */
export const INBOX_LEASE_MS = 60_000;
/** A lapsed click older than this is answered, not acted on. */
export const REPLAY_MAX_AGE_MS = 15 * 60_000;
export const REPLAY_EVERY_MS = 15_000;
const KEEP_PROCESSED_MS = 7 * 24 * 3600_000;
const REPLAY_BATCH = 50;

type Handler = (ctx: InteractionDeps, click: Click) => Promise<void>;

/** What the listeners hand their work to. */
export interface SlackLanes {
  lane: WorkLane;
  inbox: ClickInbox;
}

export class ClickInbox {
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<number> | undefined;
  /** Clicks waiting for the next insert: a burst is stored with one statement and one commit. */
  #pending: { row: NewClick; resolve: (id: number) => void; reject: (err: unknown) => void }[] = [];
  #flushing = false;

  constructor(
    private readonly ctx: InteractionDeps,
    private readonly handlers: Readonly<Record<string, Handler>>,
    private readonly lane: WorkLane,
  ) {}

  /**
   * Stores the click, claimed by this process: the only work before the ack. Clicks arriving while
   * an insert is under way are stored together by the next one (group commit): fifty concurrent
   * clicks cost a few commits, not fifty.
   */
  record(actionId: string, click: Click): Promise<number> {
    const now = this.ctx.deps.clock.now();
    const row = {
      actionId,
      click: stored(click),
      receivedAt: now,
      claimedUntil: new Date(now.getTime() + INBOX_LEASE_MS),
    };
    return new Promise((resolve, reject) => {
      this.#pending.push({ row, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        // Clicks read from their sockets in this turn of the event loop join the first insert.
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending.splice(0);
      try {
        const ids = await recordClicks(
          this.ctx.deps.db,
          batch.map((b) => b.row),
        );
        for (const [i, b] of batch.entries()) b.resolve(ids[i]!);
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.#flushing = false;
  }

  /**
   * What a listener does with a decision: store it, ack, then take it in the lane. When it cannot
   * be stored, `lost` runs after the ack instead (nothing will take it later).
   */
  async storeAckTake(
    key: string,
    click: Click,
    ack: () => Promise<void>,
    lost: (err: unknown) => Promise<void>,
  ): Promise<void> {
    let stored: number;
    try {
      stored = await this.record(key, click);
    } catch (err) {
      await ack();
      await lost(err);
      return;
    }
    await ack();
    await this.process(stored, key, click);
  }

  /** Takes the decision of a stored click, in the lane; settles when it is taken (or given up). */
  process(id: number, actionId: string, click: Click, attempt = 1): Promise<void> {
    return this.lane.run(() => this.#decide(id, actionId, click, attempt));
  }

  /** Takes over lapsed clicks (a process died holding them) and decides or expires each. */
  replay(): Promise<number> {
    this.#sweeping ??= this.#sweep().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  /** Replays now and then every REPLAY_EVERY_MS, until stop(). */
  start(): void {
    if (this.#timer) return;
    const tick = () =>
      void this.replay().catch((err) => this.ctx.deps.log.warn({ err }, 'replaying stored clicks failed'));
    tick();
    this.#timer = setInterval(tick, REPLAY_EVERY_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sweeping?.catch(() => undefined);
  }

  async #sweep(): Promise<number> {
    const { db, clock } = this.ctx.deps;
    const now = clock.now();
    await pruneProcessed(db, new Date(now.getTime() - KEEP_PROCESSED_MS));
    let replayed = 0;
    for (;;) {
      const rows = await takeOverLapsed(db, now, new Date(now.getTime() + INBOX_LEASE_MS), REPLAY_BATCH);
      if (rows.length === 0) return replayed;
      for (const row of rows) {
        replayed++;
        const click = row.click as Click;
        if (now.getTime() - row.receivedAt.getTime() > REPLAY_MAX_AGE_MS) {
          await this.#expire(row.id, click, row.receivedAt);
          continue;
        }
        this.ctx.deps.log.info({ inboxId: row.id, actionId: row.actionId }, 'replaying a stored click');
        // No modal can open any more from a replayed click: its trigger_id lasted 3 s.
        await this.process(row.id, row.actionId, { ...click, triggerId: undefined }, row.attempts);
      }
    }
  }

  async #decide(id: number, actionId: string, click: Click, attempt: number): Promise<void> {
    const { db, clock, log } = this.ctx.deps;
    const handler = this.handlers[actionId];
    try {
      if (!handler) throw new Error(`no handler for stored click ${actionId}`);
      await handler(this.ctx, click);
      await finishClick(db, id, 'done', clock.now());
    } catch (err) {
      log.error({ err, inboxId: id, actionId, attempt }, 'taking a stored click failed');
      if (attempt < MAX_ATTEMPTS) return; // the claim lapses and the sweep tries again
      const given = await finishClick(db, id, 'failed', clock.now()).catch(() => false);
      if (given && click.channel) {
        await enqueueEphemeral(
          db,
          click.channel,
          click.user,
          ':warning: spotops could not act on your click after several tries; nothing was changed by it. Click again, or ask an admin to check the logs.',
        ).catch(() => undefined);
      }
    }
  }

  async #expire(id: number, click: Click, receivedAt: Date): Promise<void> {
    const { db, clock } = this.ctx.deps;
    if (!(await finishClick(db, id, 'expired', clock.now()))) return;
    if (!click.channel) return;
    const at = `${receivedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
    await enqueueEphemeral(
      db,
      click.channel,
      click.user,
      `:hourglass: Your click at ${at} was not acted on: spotops stopped before taking it, and it is too old to act on now. Click again if it still applies.`,
    );
  }
}

function stored(click: Click): StoredClick {
  return {
    user: click.user,
    value: click.value,
    ...(click.channel ? { channel: click.channel } : {}),
    ...(click.triggerId ? { triggerId: click.triggerId } : {}),
  };
}
