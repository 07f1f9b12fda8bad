// The sandbox console (what `npm start` runs with no variables) serves /metrics from the same
// database the bot uses, and shows files the bot uploads: a CSV inline, a PNG chart as an image
// the page fetches from /console/files/<id>.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueFile } from '../../src/engine/outbox.js';
import { startTestSandbox, type TestSandbox } from './sandbox.js';

let sandbox: TestSandbox;
beforeAll(async () => {
  sandbox = await startTestSandbox();
}, 90_000);
afterAll(() => sandbox?.close());

const url = (path: string) => `${sandbox.url.replace('localhost', '127.0.0.1')}${path}`;

describe('the sandbox console', () => {
  it('serves /metrics with the SQL gauges and the in-process series', async () => {
    const res = await fetch(url('/metrics'));
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toContain('# TYPE spotops_executions_total counter');
    expect(body).toContain('# TYPE spotops_queue_depth gauge');
    expect(body).toMatch(/^spotops_poisoned_pools \d+$/m);
  });

  it('shows an uploaded CSV inline and a PNG as an image it serves', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 255]);
    await enqueueFile(sandbox.deps.db, {
      channel: 'C0SPOTOPS',
      filename: 'savings.csv',
      text: 'a,b\r\n1,2\r\n',
    });
    await enqueueFile(sandbox.deps.db, {
      channel: 'C0SPOTOPS',
      filename: 'chart.png',
      bytes: png,
      title: 'Chart',
    });
    const files = () => sandbox.workspace.messages.flatMap((m) => m.files ?? []);
    await expect.poll(() => files().length, { timeout: 30_000 }).toBe(2);
    const [csv, chart] = files();
    expect(csv).toMatchObject({
      name: 'savings.csv',
      content: 'a,b\r\n1,2\r\n',
      mimetype: 'text/csv; charset=utf-8',
    });
    expect(chart).toMatchObject({ name: 'chart.png', title: 'Chart', mimetype: 'image/png' });
    expect(chart!.content).toBeUndefined();
    const served = await fetch(url(chart!.url!));
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(Buffer.compare(Buffer.from(await served.arrayBuffer()), png)).toBe(0);
  });
});
