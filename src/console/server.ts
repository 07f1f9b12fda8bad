// The console's HTTP server. In the sandbox it is the whole Slack surface: the page (a channel,
// threads, modals, App Home), the fake Web API the bot's WebClient calls (/api/<method>),
// response_url and upload sinks, the page's own endpoints (/console/*) that turn clicks into
// Slack payloads for the receiver, and live updates over server-sent events. Beside real Slack it
// serves only the Block Kit gallery. Bound to loopback by default; any other bind needs a token.
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { assetPath } from '../lib/assets.js';
import type { Logger } from '../lib/logger.js';
import {
  type ActionInput,
  appHomeOpened,
  blockActionsInView,
  blockActionsOnMessage,
  slashCommand,
  viewClosed,
  viewSubmission,
} from './payloads.js';
import type { ConsoleReceiver } from './receiver.js';
import { type FakeWebApi, mimetypeOf } from './web-api.js';
import { BOT, CHANNEL, TEAM, USERS, type Workspace } from './workspace.js';

export interface GalleryEntry {
  name: string;
  builder: string;
  output: unknown;
}

/** The sandbox AWS side as the page sees it. */
export interface AwsPanel {
  state(): Promise<object>;
  interrupt(input: {
    account: string;
    instanceId?: string;
    pool?: { azId: string; instanceType: string };
  }): Promise<string>;
  scan(): Promise<string>;
}

export interface ConsoleSurface {
  workspace: Workspace;
  api: FakeWebApi;
  receiver: ConsoleReceiver;
  aws?: AwsPanel;
  /** Subcommands and their usage lines, for the message box's completion. */
  commands: readonly { name: string; usage: string; summary?: string }[];
  /** What the page's header says about the mode (why sandbox, dry run or not). */
  banner: string;
  /** GET /metrics (set once the bot's dependencies exist); checks METRICS_TOKEN itself. */
  metrics?: { token?: string; serve(req: IncomingMessage, res: ServerResponse): Promise<void> };
}

export interface ConsoleServerOptions {
  host: string;
  port: number;
  token?: string;
  log: Logger;
  gallery: () => GalleryEntry[];
  /** Absent beside real Slack: the console then serves only the gallery. */
  surface?: ConsoleSurface;
}

export interface ConsoleServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

const PUBLIC_FILES: Record<string, string> = {
  '/': 'index.html',
  '/static/console.css': 'console.css',
  '/static/console.js': 'console.js',
  '/static/blocks.js': 'blocks.js',
  '/static/mrkdwn.js': 'mrkdwn.js',
};

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
};

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export function isLoopback(host: string): boolean {
  return LOOPBACK.has(host) || host.startsWith('127.');
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startConsoleServer(opts: ConsoleServerOptions): Promise<ConsoleServer> {
  if (!isLoopback(opts.host) && !opts.token) {
    throw new Error(`the console may listen on ${opts.host} only with CONSOLE_TOKEN set`);
  }
  const sse = new Set<ServerResponse>();
  const log = opts.log.child({ module: 'console' });
  const surface = opts.surface;
  surface?.workspace.on('change', (change) => {
    for (const res of sse) res.write(`data: ${JSON.stringify(change)}\n\n`);
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      if (status === 500) log.error({ err }, 'console request failed');
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: err instanceof Error ? err.message : String(err) }));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://console.local');
    const path = url.pathname;
    const method = req.method ?? 'GET';

    // The bot's own traffic: Web API (its bot token is checked per call), response_url, uploads.
    if (surface && path.startsWith('/api/')) {
      const raw = await readBody(req);
      const args = {
        ...Object.fromEntries(url.searchParams),
        ...parseArgs(raw, req.headers['content-type'] ?? ''),
      };
      const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      return json(res, 200, surface.api.call(path.slice(5), args, auth));
    }
    if (surface && path.startsWith('/respond/') && method === 'POST') {
      const raw = await readBody(req);
      const { status, answer } = surface.api.respond(
        path.slice(9),
        parseArgs(raw, req.headers['content-type'] ?? 'json'),
      );
      return json(res, status, answer);
    }
    if (surface && path.startsWith('/upload/') && method === 'POST') {
      const raw = await readRaw(req);
      const bytes = multipartFile(raw, req.headers['content-type'] ?? '') ?? raw;
      const out = surface.api.upload(path.slice(8), bytes);
      res.writeHead(out.status, { 'content-type': 'text/plain' }).end(out.text);
      return;
    }

    // Prometheus: with METRICS_TOKEN the scraper's bearer token is enough; otherwise the console's.
    if (surface?.metrics && path === '/metrics' && method === 'GET') {
      if (!surface.metrics.token && !authorised(req, url, res)) {
        throw new HttpError(401, 'metrics need the console token (or set METRICS_TOKEN)');
      }
      return surface.metrics.serve(req, res);
    }

    // Everything a person reaches: the page and its endpoints.
    if (!authorised(req, url, res)) {
      throw new HttpError(401, 'this console needs its token: open it with ?token=<CONSOLE_TOKEN>');
    }
    const file = PUBLIC_FILES[path];
    if (file && method === 'GET') {
      const body = readFileSync(assetPath(`console/public/${file}`));
      res.writeHead(200, { 'content-type': TYPES[file.split('.').pop()!]!, 'cache-control': 'no-store' });
      res.end(body);
      return;
    }
    if (path === '/console/gallery') return json(res, 200, { ok: true, entries: opts.gallery() });
    if (path === '/console/config') {
      return json(res, 200, {
        ok: true,
        mode: surface ? 'sandbox' : 'gallery',
        banner: surface?.banner ?? 'Block Kit preview of every card spotops can send',
        users: USERS,
        channel: CHANNEL,
        team: TEAM,
        bot: BOT,
        commands: surface?.commands ?? [],
      });
    }
    if (!surface) throw new HttpError(404, `no ${path} beside real Slack: only the gallery is served`);
    return sandboxRoute(surface, method, path, url, req, res);
  }

  async function sandboxRoute(
    s: ConsoleSurface,
    method: string,
    path: string,
    url: URL,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const ws = s.workspace;
    if (path === '/console/events' && method === 'GET') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      sse.add(res);
      const beat = setInterval(() => res.write(': beat\n\n'), 15_000);
      req.on('close', () => {
        clearInterval(beat);
        sse.delete(res);
      });
      return;
    }
    if (path.startsWith('/console/files/') && method === 'GET') {
      const file = ws.files.get(path.slice('/console/files/'.length));
      if (!file?.bytes) throw new HttpError(404, 'no such file');
      res.writeHead(200, {
        'content-type': mimetypeOf(file.name),
        'content-disposition': `inline; filename="${file.name.replace(/[^\w.-]/g, '_')}"`,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      res.end(file.bytes);
      return;
    }
    if (path === '/console/state' && method === 'GET') {
      const user = personOf(url.searchParams.get('user'));
      return json(res, 200, {
        ok: true,
        messages: ws.visibleTo(user.id),
        modal: ws.topModal(user.id) ?? null,
        modalDepth: ws.modals.get(user.id)?.length ?? 0,
        home: ws.homes.get(user.id) ?? null,
      });
    }
    if (path === '/console/calls' && method === 'GET') {
      const only = url.searchParams.get('method');
      return json(res, 200, { ok: true, calls: s.api.calls.filter((c) => !only || c.method === only) });
    }
    if (path === '/console/aws' && method === 'GET') {
      if (!s.aws) throw new HttpError(404, 'no sandbox AWS account in this console');
      return json(res, 200, { ok: true, ...(await s.aws.state()) });
    }
    if (method !== 'POST') throw new HttpError(405, `${method} ${path} is not served`);
    const body = JSON.parse((await readBody(req)) || '{}') as Record<string, any>;
    const user = personOf(body.user);

    switch (path) {
      case '/console/command': {
        const text = String(body.text ?? '')
          .replace(/^\s*\/spot\b\s*/, '')
          .trim();
        ws.add({
          channel: CHANNEL.id,
          user: user.id,
          text: `/spot ${text}`.trim(),
          echo: true,
          ephemeralFor: user.id,
        });
        const target = { user: user.id, channel: CHANNEL.id, command: `/spot ${text}`.trim() };
        const payload = slashCommand(user, text, {
          responseUrl: s.api.responseUrl(target),
          triggerId: s.api.trigger(user.id),
        });
        const delivery = await s.receiver.deliver(payload).ack;
        if (delivery.status === 'acked' && delivery.body) {
          const answer =
            typeof delivery.body === 'string' ? { text: delivery.body } : (delivery.body as object);
          s.api.answer(target, answer);
        } else if (delivery.status !== 'acked') {
          slackbotSays(
            s,
            user.id,
            `/spot failed with the error "${delivery.status === 'failed' ? 'dispatch_failed' : 'operation_timeout'}"`,
          );
        }
        return json(res, 200, { ok: true, delivery: delivery });
      }
      case '/console/action': {
        const action = body.action as ActionInput;
        if (body.view_id) {
          const v =
            ws.topModal(user.id)?.id === body.view_id ? ws.topModal(user.id)! : ws.findView(body.view_id);
          if (!v) throw new HttpError(404, 'that view is closed');
          const payload = blockActionsInView(user, v, action, body.values ?? {}, {
            triggerId: s.api.trigger(user.id),
          });
          return json(res, 200, { ok: true, delivery: await s.receiver.deliver(payload).ack });
        }
        const message = ws.message(String(body.channel ?? CHANNEL.id), String(body.ts ?? ''));
        if (!message) throw new HttpError(404, 'that message is gone');
        const payload = blockActionsOnMessage(user, message, action, {
          responseUrl: s.api.responseUrl({ user: user.id, channel: message.channel, messageTs: message.ts }),
          triggerId: s.api.trigger(user.id),
        });
        const delivery = await s.receiver.deliver(payload).ack;
        if (delivery.status !== 'acked')
          slackbotSays(s, user.id, 'spotops did not respond to that click in time.');
        return json(res, 200, { ok: true, delivery: delivery });
      }
      case '/console/submit': {
        const v = ws.topModal(user.id);
        if (!v || v.id !== body.view_id) throw new HttpError(404, 'that view is closed');
        const payload = viewSubmission(user, v, body.values ?? {}, { triggerId: s.api.trigger(user.id) });
        const delivery = await s.receiver.deliver(payload).ack;
        if (delivery.status !== 'acked') {
          return json(res, 200, {
            ok: false,
            delivery: delivery,
            error: 'We had some trouble connecting. Try again?',
          });
        }
        const answer = (delivery.body || {}) as {
          response_action?: string;
          errors?: Record<string, string>;
          view?: any;
        };
        const stack = ws.modals.get(user.id) ?? [];
        if (answer.response_action === 'errors')
          return json(res, 200, { ok: false, errors: answer.errors ?? {} });
        if (answer.response_action === 'update' && answer.view) v.view = answer.view;
        else if (answer.response_action === 'push' && answer.view) {
          const id = ws.nextId('V');
          stack.push({
            id,
            user: user.id,
            view: answer.view,
            hash: id,
            rootViewId: v.rootViewId,
            previousViewId: v.id,
          });
        } else if (answer.response_action === 'clear') ws.modals.delete(user.id);
        else stack.pop();
        ws.changed({ kind: 'view', user: user.id });
        return json(res, 200, { ok: true, delivery: delivery });
      }
      case '/console/close': {
        const stack = ws.modals.get(user.id) ?? [];
        const v = stack.at(-1);
        if (v && v.id === body.view_id) {
          stack.pop();
          ws.changed({ kind: 'view', user: user.id });
          if (v.view.notify_on_close) await s.receiver.deliver(viewClosed(user, v)).ack;
        }
        return json(res, 200, { ok: true });
      }
      case '/console/home': {
        const delivery = await s.receiver.deliver(appHomeOpened(user, `Ev${ws.nextId('')}`)).ack;
        return json(res, 200, { ok: true, delivery: delivery });
      }
      case '/console/aws/interrupt': {
        if (!s.aws) throw new HttpError(404, 'no sandbox AWS account in this console');
        return json(res, 200, {
          ok: true,
          result: await s.aws.interrupt({
            account: body.account,
            instanceId: body.instanceId,
            pool: body.pool,
          }),
        });
      }
      case '/console/aws/scan': {
        if (!s.aws) throw new HttpError(404, 'no sandbox AWS account in this console');
        return json(res, 200, { ok: true, result: await s.aws.scan() });
      }
      default:
        throw new HttpError(404, `no ${path}`);
    }
  }

  function authorised(req: IncomingMessage, url: URL, res: ServerResponse): boolean {
    if (!opts.token) return true;
    const cookie = /(?:^|;\s*)spotops_console=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const query = url.searchParams.get('token');
    if (query === opts.token) {
      res.setHeader('set-cookie', `spotops_console=${opts.token}; HttpOnly; SameSite=Strict; Path=/`);
      return true;
    }
    return cookie === opts.token || bearer === opts.token;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = opts.host === '127.0.0.1' || opts.host === '::1' ? 'localhost' : opts.host;
  return {
    server,
    url: `http://${shownHost}:${port}`,
    async close() {
      for (const res of sse) res.end();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

function personOf(id: unknown): (typeof USERS)[number] {
  const u = USERS.find((x) => x.id === id) ?? (id === undefined || id === null ? USERS[0] : undefined);
  if (!u) throw new HttpError(400, `no person ${String(id)} in the console`);
  return u;
}

function slackbotSays(s: ConsoleSurface, user: string, text: string): void {
  s.workspace.add({ channel: CHANNEL.id, user: 'USLACKBOT', text, ephemeralFor: user });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

async function readRaw(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function readBody(req: IncomingMessage): Promise<string> {
  return (await readRaw(req)).toString('utf8');
}

/** Web API arguments: JSON, or a form whose nested values (blocks, view) are JSON strings. */
export function parseArgs(raw: string, contentType: string): Record<string, any> {
  if (!raw) return {};
  if (contentType.includes('json')) return JSON.parse(raw);
  const out: Record<string, any> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if (/^[[{]/.test(v)) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // not JSON after all: keep the string
      }
    }
    out[k] = v;
  }
  return out;
}

/** The first part with a filename of a multipart body (how the SDK uploads file bytes). */
function multipartFile(raw: Buffer, contentType: string): Buffer | undefined {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  if (!boundary) return undefined;
  const marker = `--${boundary[1] ?? boundary[2]}`;
  const text = raw.toString('latin1');
  for (const part of text.split(marker)) {
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0 || !/filename=/.test(part.slice(0, headerEnd))) continue;
    const body = part.slice(headerEnd + 4).replace(/\r\n$/, '');
    return Buffer.from(body, 'latin1');
  }
  return undefined;
}
