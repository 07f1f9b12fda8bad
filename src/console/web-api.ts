// The Slack Web API methods the bot calls, answered from the console's workspace in Slack's own
// shapes (HTTP 200 with ok:true, or ok:false + the error name Slack uses). The bot's WebClient
// reaches it through SLACK_API_URL; response_url and file-upload URLs point here too.
import { randomBytes } from 'node:crypto';
import {
  BOT,
  CHANNEL,
  type ConsoleMessage,
  type ConsoleView,
  TEAM,
  USERS,
  type Workspace,
} from './workspace.js';

export type ApiArgs = Record<string, any>;
export type ApiAnswer = Record<string, unknown> & { ok: boolean };

/** Where a response_url leads: the person who acted, the channel, and the message they acted on. */
export interface ResponseTarget {
  user: string;
  channel: string;
  messageTs?: string;
  /** For slash commands: Slack shows the command in the channel when the answer is in_channel. */
  command?: string;
}

export interface WebApiCall {
  method: string;
  args: ApiArgs;
  at: string;
  /** The message the call created or changed (chat.postMessage answers with it). */
  ts?: string;
}

const METHODS_WITHOUT_TOKEN = new Set(['api.test']);

export class FakeWebApi {
  readonly calls: WebApiCall[] = [];
  readonly #responses = new Map<string, ResponseTarget>();
  readonly #triggers = new Map<string, string>();

  constructor(
    readonly ws: Workspace,
    private readonly opts: { token: string; baseUrl: () => string },
  ) {}

  /** A trigger_id for an interaction by `user`; views.open/push accept it once. */
  trigger(user: string): string {
    const id = `${Date.now()}.${this.ws.nextId('')}.${Math.random().toString(16).slice(2, 14)}`;
    this.#triggers.set(id, user);
    return id;
  }

  responseUrl(target: ResponseTarget): string {
    // Unguessable: a response_url is a capability to post as the app.
    const id = randomBytes(12).toString('hex');
    this.#responses.set(id, target);
    return `${this.opts.baseUrl()}/respond/${id}`;
  }

  /** One Web API call: `token` from the Authorization header (or the token argument). */
  call(method: string, args: ApiArgs, token: string | undefined): ApiAnswer {
    const entry: WebApiCall = { method, args, at: new Date().toISOString() };
    this.calls.push(entry);
    if (this.calls.length > 2000) this.calls.shift();
    if (!METHODS_WITHOUT_TOKEN.has(method)) {
      const given = token ?? args.token;
      if (!given) return { ok: false, error: 'not_authed' };
      if (given !== this.opts.token) return { ok: false, error: 'invalid_auth' };
    }
    const handler = this.#methods[method];
    if (!handler) return { ok: false, error: 'unknown_method', req_method: method };
    const answer = handler(args);
    if (answer.ok && typeof answer.ts === 'string') entry.ts = answer.ts;
    return answer;
  }

  /** A POST to a response_url: Bolt's respond(), or an ack's follow-up. */
  respond(id: string, body: ApiArgs): { status: number; answer: ApiAnswer } {
    const target = this.#responses.get(id);
    if (!target) return { status: 404, answer: { ok: false, error: 'expired_url' } };
    this.calls.push({ method: 'response_url', args: { ...body, id }, at: new Date().toISOString() });
    return { status: 200, answer: this.answer(target, body) };
  }

  /** Shows an answer to an interaction (a response_url body, or the body of an ack). */
  answer(target: ResponseTarget, body: ApiArgs): ApiAnswer {
    const original = target.messageTs ? this.ws.message(target.channel, target.messageTs) : undefined;
    if (body.delete_original && original) {
      this.ws.messages = this.ws.messages.filter((m) => m !== original);
      this.ws.changed({ kind: 'delete', ts: original.ts });
      return { ok: true };
    }
    if (body.replace_original && original) {
      Object.assign(original, { text: body.text ?? '', blocks: body.blocks, updates: original.updates + 1 });
      this.ws.changed({ kind: 'update', ts: original.ts, user: original.ephemeralFor });
      return { ok: true };
    }
    const inChannel = body.response_type === 'in_channel';
    if (inChannel && target.command) {
      this.ws.add({ channel: target.channel, user: target.user, text: target.command });
    }
    this.ws.add({
      channel: target.channel,
      user: BOT.userId,
      botId: BOT.botId,
      text: body.text ?? '',
      blocks: body.blocks,
      threadTs: body.thread_ts,
      ...(inChannel ? {} : { ephemeralFor: target.user }),
    });
    return { ok: true };
  }

  /** Step 2 of files.uploadV2: the bytes, POSTed to the upload URL. */
  upload(fileId: string, bytes: Buffer): { status: number; text: string } {
    const file = this.ws.files.get(fileId);
    if (!file) return { status: 404, text: 'file not found' };
    file.bytes = bytes;
    file.size = bytes.length;
    file.mimetype = mimetypeOf(file.name);
    file.url = `/console/files/${fileId}`; // relative: the page fetches it with its own cookie
    // Text shows inline; binary content (a PNG chart) is fetched from its URL instead.
    file.content = file.mimetype.startsWith('text/') ? bytes.toString('utf8').slice(0, 20_000) : undefined;
    return { status: 200, text: `OK - ${bytes.length}` };
  }

  #botMessage(m: ConsoleMessage): Record<string, unknown> {
    return {
      type: 'message',
      subtype: 'bot_message',
      text: m.text,
      ts: m.ts,
      user: m.user,
      bot_id: m.botId,
      app_id: BOT.appId,
      team: TEAM.id,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
      ...(m.files
        ? { files: m.files.map((f) => ({ id: f.id, name: f.name, title: f.title, size: f.size })) }
        : {}),
    };
  }

  #viewOut(v: ConsoleView): Record<string, unknown> {
    return {
      id: v.id,
      team_id: TEAM.id,
      app_id: BOT.appId,
      bot_id: BOT.botId,
      hash: v.hash,
      root_view_id: v.rootViewId,
      previous_view_id: v.previousViewId ?? null,
      state: { values: {} },
      private_metadata: '',
      callback_id: '',
      external_id: '',
      clear_on_close: false,
      notify_on_close: false,
      ...v.view,
    };
  }

  #newView(user: string, view: Record<string, any>, previous?: ConsoleView): ConsoleView {
    const id = this.ws.nextId('V');
    return {
      id,
      user,
      view,
      hash: `${Date.now()}.${this.ws.nextId('h')}`,
      rootViewId: previous?.rootViewId ?? id,
      previousViewId: previous?.id,
    };
  }

  #checkText(args: ApiArgs): ApiAnswer | undefined {
    if (!args.text && !args.blocks && !args.attachments) return { ok: false, error: 'no_text' };
    if (typeof args.text === 'string' && args.text.length > 40_000)
      return { ok: false, error: 'msg_too_long' };
    if (args.blocks !== undefined && !Array.isArray(args.blocks))
      return { ok: false, error: 'invalid_blocks_format' };
    if (Array.isArray(args.blocks) && args.blocks.length > 50)
      return {
        ok: false,
        error: 'invalid_blocks',
        errors: ['no more than 50 items allowed [json-pointer:/blocks]'],
      };
    return undefined;
  }

  readonly #methods: Record<string, (args: ApiArgs) => ApiAnswer> = {
    'api.test': (args) => ({ ok: true, args }),
    'auth.test': () => ({
      ok: true,
      url: `https://${TEAM.domain}.slack.com/`,
      team: TEAM.name,
      user: BOT.name,
      team_id: TEAM.id,
      user_id: BOT.userId,
      bot_id: BOT.botId,
      is_enterprise_install: false,
    }),
    'chat.postMessage': (args) => {
      const channel = this.ws.resolveChannel(String(args.channel ?? ''));
      if (!channel) return { ok: false, error: 'channel_not_found' };
      const bad = this.#checkText(args);
      if (bad) return bad;
      if (args.thread_ts && !this.ws.message(channel, args.thread_ts))
        return { ok: false, error: 'thread_not_found' };
      const m = this.ws.add({
        channel,
        user: BOT.userId,
        botId: BOT.botId,
        text: args.text ?? '',
        blocks: args.blocks,
        threadTs: args.thread_ts,
      });
      return { ok: true, channel, ts: m.ts, message: this.#botMessage(m) };
    },
    'chat.update': (args) => {
      const channel = this.ws.resolveChannel(String(args.channel ?? ''));
      if (!channel) return { ok: false, error: 'channel_not_found' };
      const m = this.ws.message(channel, String(args.ts ?? ''));
      if (!m) return { ok: false, error: 'message_not_found' };
      if (m.user !== BOT.userId) return { ok: false, error: 'cant_update_message' };
      const bad = this.#checkText({ text: args.text ?? m.text, blocks: args.blocks });
      if (bad) return bad;
      m.text = args.text ?? m.text;
      if (args.blocks !== undefined) m.blocks = args.blocks;
      m.updates += 1;
      m.edited = this.ws.nextTs();
      this.ws.changed({ kind: 'update', ts: m.ts });
      return { ok: true, channel, ts: m.ts, text: m.text, message: this.#botMessage(m) };
    },
    'chat.delete': (args) => {
      const channel = this.ws.resolveChannel(String(args.channel ?? ''));
      const m = channel ? this.ws.message(channel, String(args.ts ?? '')) : undefined;
      if (!m) return { ok: false, error: 'message_not_found' };
      this.ws.messages = this.ws.messages.filter((x) => x !== m);
      this.ws.changed({ kind: 'delete', ts: m.ts });
      return { ok: true, channel, ts: m.ts };
    },
    'chat.postEphemeral': (args) => {
      const channel = this.ws.resolveChannel(String(args.channel ?? ''));
      if (!channel) return { ok: false, error: 'channel_not_found' };
      if (!this.ws.user(String(args.user ?? ''))) return { ok: false, error: 'user_not_in_channel' };
      const bad = this.#checkText(args);
      if (bad) return bad;
      const m = this.ws.add({
        channel,
        user: BOT.userId,
        botId: BOT.botId,
        text: args.text ?? '',
        blocks: args.blocks,
        threadTs: args.thread_ts,
        ephemeralFor: args.user,
      });
      return { ok: true, message_ts: m.ts };
    },
    'chat.getPermalink': (args) => ({
      ok: true,
      channel: args.channel,
      permalink: `${this.opts.baseUrl()}/#${args.channel}/${args.message_ts}`,
    }),
    'views.open': (args) => {
      const user = this.#triggers.get(String(args.trigger_id ?? ''));
      if (!user) return { ok: false, error: 'invalid_trigger_id' };
      this.#triggers.delete(args.trigger_id);
      const view = args.view;
      if (view?.type !== 'modal') return { ok: false, error: 'invalid_arguments' };
      const v = this.#newView(user, view);
      this.ws.modals.set(user, [v]);
      this.ws.changed({ kind: 'view', user });
      return { ok: true, view: this.#viewOut(v) };
    },
    'views.push': (args) => {
      const user = this.#triggers.get(String(args.trigger_id ?? ''));
      if (!user) return { ok: false, error: 'invalid_trigger_id' };
      this.#triggers.delete(args.trigger_id);
      const stack = this.ws.modals.get(user) ?? [];
      if (stack.length === 0) return { ok: false, error: 'not_found' };
      if (stack.length >= 3) return { ok: false, error: 'push_limit_reached' };
      const v = this.#newView(user, args.view, stack.at(-1));
      stack.push(v);
      this.ws.changed({ kind: 'view', user });
      return { ok: true, view: this.#viewOut(v) };
    },
    'views.update': (args) => {
      const v = args.view_id
        ? this.ws.findView(args.view_id)
        : [...this.ws.modals.values()].flat().find((x) => x.view.external_id === args.external_id);
      if (!v) return { ok: false, error: 'not_found' };
      if (args.hash && args.hash !== v.hash) return { ok: false, error: 'hash_conflict' };
      v.view = args.view;
      v.hash = `${Date.now()}.${this.ws.nextId('h')}`;
      this.ws.changed({ kind: 'view', user: v.user });
      return { ok: true, view: this.#viewOut(v) };
    },
    'views.publish': (args) => {
      const user = String(args.user_id ?? '');
      if (!this.ws.user(user)) return { ok: false, error: 'user_not_found' };
      if (args.view?.type !== 'home') return { ok: false, error: 'invalid_arguments' };
      const previous = this.ws.homes.get(user);
      const v = previous
        ? { ...previous, view: args.view, hash: `${Date.now()}` }
        : this.#newView(user, args.view);
      this.ws.homes.set(user, v);
      this.ws.changed({ kind: 'home', user });
      return { ok: true, view: this.#viewOut(v) };
    },
    'users.info': (args) => {
      const u = this.ws.user(String(args.user ?? ''));
      if (!u) return { ok: false, error: 'user_not_found' };
      return { ok: true, user: userObject(u) };
    },
    'users.list': () => ({
      ok: true,
      members: USERS.map(userObject),
      response_metadata: { next_cursor: '' },
    }),
    'usergroups.list': () => ({ ok: true, usergroups: [] }),
    'usergroups.users.list': () => ({ ok: false, error: 'no_such_subteam' }),
    'conversations.info': (args) => {
      const channel = this.ws.resolveChannel(String(args.channel ?? ''));
      if (!channel) return { ok: false, error: 'channel_not_found' };
      return { ok: true, channel: channelObject(channel) };
    },
    'conversations.list': () => ({
      ok: true,
      channels: [channelObject(CHANNEL.id)],
      response_metadata: { next_cursor: '' },
    }),
    'conversations.join': (args) => ({ ok: true, channel: channelObject(args.channel) }),
    'conversations.open': (args) => {
      const user = String(args.users ?? '').split(',')[0] ?? '';
      const channel = this.ws.resolveChannel(user);
      if (!channel) return { ok: false, error: 'user_not_found' };
      return { ok: true, channel: { id: channel } };
    },
    'conversations.members': () => ({ ok: true, members: [...USERS.map((u) => u.id), BOT.userId] }),
    'conversations.history': (args) => {
      const channel = this.ws.resolveChannel(String(args.channel ?? ''));
      if (!channel) return { ok: false, error: 'channel_not_found' };
      const top = this.ws.messages.filter((m) => m.channel === channel && !m.threadTs && !m.ephemeralFor);
      return { ok: true, messages: top.reverse().map((m) => this.#botMessage(m)), has_more: false };
    },
    'conversations.replies': (args) => {
      const channel = this.ws.resolveChannel(String(args.channel ?? ''));
      const parent = channel ? this.ws.message(channel, String(args.ts ?? '')) : undefined;
      if (!parent) return { ok: false, error: 'thread_not_found' };
      const replies = this.ws.messages.filter((m) => m.channel === channel && m.threadTs === parent.ts);
      return { ok: true, messages: [parent, ...replies].map((m) => this.#botMessage(m)), has_more: false };
    },
    'files.getUploadURLExternal': (args) => {
      if (!args.filename) return { ok: false, error: 'invalid_arguments' };
      const length = Number(args.length ?? 0);
      if (!length) return { ok: false, error: 'missing_argument' };
      const id = this.ws.nextId('F');
      this.ws.files.set(id, { id, name: args.filename, title: args.filename, size: 0, declared: length });
      return { ok: true, upload_url: `${this.opts.baseUrl()}/upload/${id}`, file_id: id };
    },
    'files.completeUploadExternal': (args) => {
      const list = (typeof args.files === 'string' ? JSON.parse(args.files) : args.files) as {
        id: string;
        title?: string;
      }[];
      const files = [];
      for (const f of list ?? []) {
        const file = this.ws.files.get(f.id);
        if (!file?.bytes || file.bytes.length !== file.declared)
          return { ok: false, error: 'file_not_found' };
        if (f.title) file.title = f.title;
        files.push({
          id: file.id,
          name: file.name,
          title: file.title,
          size: file.size,
          content: file.content,
          url: file.url,
          mimetype: file.mimetype,
        });
      }
      const channel = args.channel_id ? this.ws.resolveChannel(String(args.channel_id)) : undefined;
      if (args.channel_id && !channel) return { ok: false, error: 'channel_not_found' };
      if (channel) {
        this.ws.add({
          channel,
          user: BOT.userId,
          botId: BOT.botId,
          text: args.initial_comment ?? '',
          threadTs: args.thread_ts,
          files,
        });
      }
      return { ok: true, files: files.map(({ content: _c, ...f }) => ({ ...f, channels: [], shares: {} })) };
    },
  };
}

const MIMETYPES: Record<string, string> = {
  csv: 'text/csv; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json',
  png: 'image/png',
  svg: 'image/svg+xml',
};

/** The type the console serves a file with, by its extension. */
export function mimetypeOf(name: string): string {
  return MIMETYPES[name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

function userObject(u: (typeof USERS)[number]) {
  return {
    id: u.id,
    team_id: TEAM.id,
    name: u.name,
    real_name: u.realName,
    is_admin: u.isAdmin,
    is_owner: false,
    is_primary_owner: false,
    is_bot: false,
    deleted: false,
    tz: 'Etc/UTC',
    profile: {
      real_name: u.realName,
      display_name: u.name,
      email: `${u.name}@example.com`,
    },
  };
}

function channelObject(id: string) {
  return {
    id,
    name: id === CHANNEL.id ? CHANNEL.name : id,
    is_channel: id.startsWith('C'),
    is_im: id.startsWith('D'),
    is_member: true,
    is_private: false,
  };
}
