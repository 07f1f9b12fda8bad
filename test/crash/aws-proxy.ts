// A counting proxy in front of moto_server for the crash tests. It records every live (non-DryRun)
// mutating AWS call the worker makes, answers the one call moto lacks (DescribeInstanceRefreshes),
// and, when told, lets the Nth live call of an action reach moto and then holds its response
// forever: the worker is then exactly at a step boundary (AWS changed, the step's result not yet
// committed), where the test kills it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface LiveCall {
  action: string;
  params: URLSearchParams;
}

const READ_ONLY = /^(Describe|Get|List)|^AssumeRole$/;

/**
 * moto 5.2.1 raises NotImplementedError for CreateImage with a `snapshot` TagSpecification; that
 * one specification is dropped on the way (moto ignores signatures). Everything else is untouched.
 */
function forMoto(action: string, params: URLSearchParams, body: Buffer): Buffer | string {
  if (action !== 'CreateImage') return body;
  const snapshotSpecs = [...params.entries()]
    .filter(([k, v]) => /^TagSpecification\.\d+\.ResourceType$/.test(k) && v === 'snapshot')
    .map(([k]) => k.replace(/ResourceType$/, ''));
  if (snapshotSpecs.length === 0) return body;
  const kept = new URLSearchParams();
  for (const [k, v] of params) if (!snapshotSpecs.some((prefix) => k.startsWith(prefix))) kept.append(k, v);
  return kept.toString();
}

export class CountingProxy {
  readonly calls: LiveCall[] = [];
  #server: Server;
  #sockets = new Set<Socket>();
  #hold: { action: string; nth: number; seen: number; resolve: () => void } | undefined;
  url = '';

  private constructor(private readonly target: string) {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', (s) => {
      this.#sockets.add(s);
      s.on('close', () => this.#sockets.delete(s));
    });
  }

  static async start(target: string): Promise<CountingProxy> {
    const proxy = new CountingProxy(target);
    await new Promise<void>((r) => proxy.#server.listen(0, '127.0.0.1', r));
    proxy.url = `http://127.0.0.1:${(proxy.#server.address() as AddressInfo).port}`;
    return proxy;
  }

  /** Live mutating actions, in order. */
  get actions(): string[] {
    return this.calls.map((c) => c.action);
  }

  /** Resolves once the nth live `action` has reached AWS and its answer is being held. */
  holdAfter(action: string, nth = 1): Promise<void> {
    return new Promise((resolve) => {
      this.#hold = { action, nth, seen: 0, resolve };
    });
  }

  /** Stops holding new calls (a held one stays unanswered until its client dies). */
  release(): void {
    this.#hold = undefined;
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise((r) => this.#server.close(r));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const params = new URLSearchParams(body.toString('utf8'));
    const action = params.get('Action') ?? '';
    if (action === 'DescribeInstanceRefreshes') {
      // moto 5.2.1 does not implement it: answer "no refresh in progress".
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<DescribeInstanceRefreshesResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><DescribeInstanceRefreshesResult><InstanceRefreshes/></DescribeInstanceRefreshesResult><ResponseMetadata><RequestId>proxy</RequestId></ResponseMetadata></DescribeInstanceRefreshesResponse>',
      );
      return;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (typeof v === 'string' && k !== 'host' && k !== 'connection' && k !== 'content-length')
        headers[k] = v;
    }
    const upstream = await fetch(`${this.target}${req.url ?? '/'}`, {
      method: req.method,
      headers,
      body: req.method === 'GET' || req.method === 'HEAD' ? undefined : forMoto(action, params, body),
    });
    const answer = Buffer.from(await upstream.arrayBuffer());
    const live = action !== '' && !READ_ONLY.test(action) && params.get('DryRun') !== 'true';
    if (live && upstream.ok) {
      this.calls.push({ action, params });
      const hold = this.#hold;
      if (hold && hold.action === action && ++hold.seen === hold.nth) {
        this.#hold = undefined;
        hold.resolve();
        return; // never answered: the caller is killed while waiting
      }
    }
    const out: Record<string, string> = {};
    upstream.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'content-encoding' && k !== 'transfer-encoding') out[k] = v;
    });
    res.writeHead(upstream.status, out);
    res.end(answer);
  }
}
