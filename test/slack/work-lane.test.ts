// The lane follow-up work runs in after each ack: bounded, in arrival order, and observable.
import { describe, expect, it } from 'vitest';
import { WorkLane } from '../../src/slack/work-lane.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
}

describe('the work lane', () => {
  it('never runs more follow-ups at once than its concurrency, and starts them in arrival order', async () => {
    const lane = new WorkLane(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const gates = Array.from({ length: 6 }, gate);
    const done = gates.map((g, i) =>
      lane.run(async () => {
        started.push(i);
        running++;
        most = Math.max(most, running);
        await g.opened;
        running--;
        return i;
      }),
    );
    await expect.poll(() => started.length).toBe(2);
    expect(lane.depth).toBe(6);
    for (const g of gates) g.open();
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(most).toBe(2);
    expect(lane.depth).toBe(0);
  });

  it('lets already-received requests go first: a follow-up never starts in the tick that queued it', async () => {
    const lane = new WorkLane(4);
    const order: string[] = [];
    const follow = lane.run(async () => {
      order.push('follow-up');
    });
    order.push('next ack');
    await follow;
    expect(order).toEqual(['next ack', 'follow-up']);
  });

  it('passes a failure to its caller and frees the slot for the next one', async () => {
    const lane = new WorkLane(1);
    const failing = lane.run(async () => {
      throw new Error('listing volumes');
    });
    const next = lane.run(async () => 'ran');
    await expect(failing).rejects.toThrow('listing volumes');
    expect(await next).toBe('ran');
  });

  it('says when it is idle', async () => {
    const lane = new WorkLane(1);
    await lane.idle(); // nothing queued: at once
    const g = gate();
    let finished = false;
    void lane.run(async () => {
      await g.opened;
      finished = true;
    });
    const idle = lane.idle();
    g.open();
    await idle;
    expect(finished).toBe(true);
  });

  it('refuses a concurrency below one', () => {
    expect(() => new WorkLane(0)).toThrow('lane concurrency 0');
  });
});
