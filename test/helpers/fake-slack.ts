// An in-test fake of Slack's Web API (at /api/<method>) and of response_url (any other POST).
// It answers in Slack's shapes, keeps the messages it was sent (so chat.update and thread
// replies can be checked), records every call, and can answer 429 to test rate-limit retries.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeCall {
  method: string; // Web API method, or 'response_url'
  args: Record<string, any>;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: any[];
  updates: number;
}

/** A file uploaded through files.uploadV2 (URL, bytes, complete), once completed in a channel. */
export interface FakeFile {
  id: string;
  filename: string;
  title?: string;
  bytes?: Buffer;
  declared: number;
  channel?: string;
  comment?: string;
  completed: boolean;
}

export class FakeSlack {
  readonly calls: FakeCall[] = [];
  readonly messages: FakeMessage[] = [];
  readonly files = new Map<string, FakeFile>();
  admins = new Set<string>();
  groups = new Map<string, string[]>();
  #server: Server;
  #seq = 0;
  #rateLimit = new Map<string, number>();
  #waiters: (() => void)[] = [];

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(): Promise<FakeSlack> {
    const server = createServer();
    const fake = new FakeSlack(server);
    server.on('request', (req, res) => {
      void fake.#handle(req).then(
        ({ status, body, headers }) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(body));
        },
        (err) => {
          res.writeHead(500).end(String(err));
        },
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return fake;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }
  get apiUrl(): string {
    return `${this.url}/api/`;
  }
  responseUrl(id = 'cmd'): string {
    return `${this.url}/respond/${id}`;
  }

  /**
   * While set, decides each Web API call's fate: an HTTP status (and headers) to fail with, or
   * undefined to answer normally. Failed calls are recorded as `<method>:<status>`.
   */
  failure: ((method: string) => { status: number; headers?: Record<string, string> } | undefined) | undefined;

  /** Answer the next `times` calls of `method` with HTTP 429 + Retry-After. */
  rateLimit(method: string, times: number): void {
    this.#rateLimit.set(method, times);
  }

  callsOf(method: string): FakeCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Replies in the thread of a message, in order. */
  thread(ts: string): FakeMessage[] {
    return this.messages.filter((m) => m.thread_ts === ts);
  }

  /** Resolves when `predicate` holds, re-checked after every call; rejects after `ms`. */
  async waitFor<T>(
    predicate: () => T | undefined | false | Promise<T | undefined | false>,
    ms = 5000,
  ): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await predicate();
      if (v) return v;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`fake Slack: condition not met within ${ms} ms; calls: ${this.summary()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 100));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  summary(): string {
    return this.calls.map((c) => c.method).join(', ');
  }

  /** Files completed in a channel (shared), in upload order. */
  sharedFiles(): FakeFile[] {
    return [...this.files.values()].filter((f) => f.completed);
  }

  reset(): void {
    this.calls.length = 0;
    this.messages.length = 0;
    this.files.clear();
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((r) => this.#server.close(r));
  }

  async #handle(
    req: IncomingMessage,
  ): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const bytes = await readBytes(req);
    const raw = bytes.toString('utf8');
    const path = (req.url ?? '').split('?')[0]!;
    if (path.startsWith('/upload/') && req.method === 'POST') {
      // Step 2 of files.uploadV2: the bytes (a multipart part, or the raw body).
      const file = this.files.get(path.slice('/upload/'.length));
      this.#record('upload', { path, bytes: bytes.length });
      if (!file) return { status: 404, body: { ok: false } };
      file.bytes = multipartFile(bytes, req.headers['content-type'] ?? '') ?? bytes;
      return { status: 200, body: { ok: true } };
    }
    const args = parseArgs(raw, req.headers['content-type'] ?? '');
    if (!path.startsWith('/api/')) {
      this.#record('response_url', { ...args, path });
      return { status: 200, body: { ok: true } };
    }
    const method = path.slice(5);
    const failed = this.failure?.(method);
    if (failed) {
      this.#record(`${method}:${failed.status}`, args);
      return {
        status: failed.status,
        body: { ok: false, error: failed.status === 429 ? 'ratelimited' : 'internal_error' },
        headers: failed.headers,
      };
    }
    const limited = this.#rateLimit.get(method) ?? 0;
    if (limited > 0) {
      this.#rateLimit.set(method, limited - 1);
      this.#record(`${method}:429`, args);
      return { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '0' } };
    }
    this.#record(method, args);
    return { status: 200, body: this.#answer(method, args) };
  }

  #record(method: string, args: Record<string, any>): void {
    this.calls.push({ method, args });
    for (const w of this.#waiters.splice(0)) w();
  }

  #nextTs(): string {
    this.#seq += 1;
    return `1767225600.${String(this.#seq).padStart(6, '0')}`;
  }

  #answer(method: string, args: Record<string, any>): unknown {
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake',
          user: 'spotops',
          team_id: 'T0001',
          user_id: 'UBOT',
          bot_id: 'BBOT',
        };
      case 'chat.postMessage': {
        if (!args.channel) return { ok: false, error: 'channel_not_found' };
        if (!args.text && !args.blocks) return { ok: false, error: 'no_text' };
        const msg: FakeMessage = {
          channel: args.channel,
          ts: this.#nextTs(),
          thread_ts: args.thread_ts,
          text: args.text,
          blocks: args.blocks,
          updates: 0,
        };
        this.messages.push(msg);
        return { ok: true, channel: msg.channel, ts: msg.ts, message: { text: msg.text, ts: msg.ts } };
      }
      case 'chat.update': {
        const msg = this.messages.find((m) => m.ts === args.ts && m.channel === args.channel);
        if (!msg) return { ok: false, error: 'message_not_found' };
        Object.assign(msg, { text: args.text, blocks: args.blocks, updates: msg.updates + 1 });
        return { ok: true, channel: msg.channel, ts: msg.ts };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.#nextTs() };
      case 'views.publish':
      case 'views.open':
      case 'views.update':
        return { ok: true, view: { id: `V${this.#seq++}`, ...args.view } };
      case 'users.info':
        return {
          ok: true,
          user: { id: args.user, name: args.user, is_admin: this.admins.has(args.user), is_owner: false },
        };
      case 'files.getUploadURLExternal': {
        const declared = Number(args.length ?? 0);
        if (!args.filename || !declared) return { ok: false, error: 'invalid_arguments' };
        const id = `F${String(++this.#seq).padStart(6, '0')}`;
        this.files.set(id, { id, filename: args.filename, declared, completed: false });
        return { ok: true, upload_url: `${this.url}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const list = (typeof args.files === 'string' ? JSON.parse(args.files) : args.files) as {
          id: string;
          title?: string;
        }[];
        for (const f of list ?? []) {
          const file = this.files.get(f.id);
          if (!file?.bytes || file.bytes.length !== file.declared)
            return { ok: false, error: 'file_not_found' };
        }
        for (const f of list ?? []) {
          Object.assign(this.files.get(f.id)!, {
            title: f.title,
            channel: args.channel_id,
            comment: args.initial_comment,
            completed: true,
          });
        }
        return { ok: true, files: (list ?? []).map((f) => ({ id: f.id, title: f.title })) };
      }
      case 'usergroups.users.list':
        return { ok: true, users: this.groups.get(args.usergroup) ?? [] };
      default:
        return { ok: true };
    }
  }
}

async function readBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** The first part with a filename of a multipart body, byte for byte. */
function multipartFile(raw: Buffer, contentType: string): Buffer | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return undefined;
  const text = raw.toString('latin1');
  for (const part of text.split(`--${boundary[1] ?? boundary[2]}`)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0 || !/filename=/.test(part.slice(0, headerEnd))) continue;
    return Buffer.from(part.slice(headerEnd + 4).replace(/\r\n$/, ''), 'latin1');
  }
  return undefined;
}

function parseArgs(raw: string, contentType: string): Record<string, any> {
  if (!raw) return {};
  if (contentType.includes('json')) return JSON.parse(raw);
  const out: Record<string, any> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // The WebClient sends nested values (blocks, view) as JSON strings in a form body.
    out[k] = /^[[{]/.test(v) ? safeJson(v) : v;
  }
  return out;
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
