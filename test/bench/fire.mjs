// The benchmark's Slack: a separate process that sends signed requests to a request URL all at
// once and prints how long each took to be answered (the ack), so the measured app does not share
// its event loop with the client. Input on stdin: { url, secret, bodies: [{ body, contentType }] }.
// Output on stdout: [milliseconds per request] in request order.
import { createHmac } from 'node:crypto';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const { url, secret, bodies } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
// The first fetch of a process sets up its HTTP client: done once before anything is timed.
await fetch(url)
  .then((r) => r.text())
  .catch(() => undefined);

const times = await Promise.all(
  bodies.map(async ({ body, contentType }) => {
    const ts = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
    const t0 = performance.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'x-slack-request-timestamp': String(ts),
        'x-slack-signature': signature,
      },
      body,
    });
    await res.text();
    const elapsed = performance.now() - t0;
    if (res.status !== 200) throw new Error(`ack ${res.status}`);
    return elapsed;
  }),
);
process.stdout.write(JSON.stringify(times));
