// The console's Slack workspace: one channel, a few people, the bot, and what Slack would keep
// for them (messages with threads, ephemerals, open modals, App Home tabs, uploaded files).
// The fake Web API writes it; the page reads it. Saved beside the database so the cards the bot
// posted (and will update) survive a restart, like messages do in Slack.
import { EventEmitter } from 'node:events';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface ConsoleUser {
  id: string;
  name: string;
  realName: string;
  /** What the console's user picker says about them. */
  role: string;
  isAdmin: boolean;
}

export const USERS: readonly ConsoleUser[] = [
  { id: 'U0ALICE', name: 'alice', realName: 'Alice Approver', role: 'approver', isAdmin: true },
  { id: 'U0BOB', name: 'bob', realName: 'Bob Approver', role: 'approver', isAdmin: false },
  { id: 'U0CAROL', name: 'carol', realName: 'Carol Developer', role: 'not an approver', isAdmin: false },
];
export const APPROVERS = ['U0ALICE', 'U0BOB'];

export const BOT = { userId: 'U0SPOTOPS', botId: 'B0SPOTOPS', appId: 'A0SPOTOPS', name: 'spotops' } as const;
export const TEAM = { id: 'T0SANDBOX', domain: 'spotops-sandbox', name: 'spotops sandbox' } as const;
export const CHANNEL = { id: 'C0SPOTOPS', name: 'spotops' } as const;

export interface ConsoleFile {
  id: string;
  name: string;
  title: string;
  size: number;
  /** The text, for text files (a CSV shows inline). */
  content?: string;
  /** Where the page fetches the bytes (images show inline, anything else as a link). */
  url?: string;
  mimetype?: string;
}

export interface ConsoleMessage {
  channel: string;
  ts: string;
  /** Who posted: the bot's user id, or a person's. */
  user: string;
  botId?: string;
  text: string;
  /** Exactly the blocks the app sent (nothing normalised), so the page renders the real payload. */
  blocks?: unknown[];
  threadTs?: string;
  /** Only this user sees it (chat.postEphemeral, ephemeral responses). */
  ephemeralFor?: string;
  /** Shown greyed: the text of a slash command the user typed. */
  echo?: boolean;
  files?: ConsoleFile[];
  edited?: string;
  updates: number;
}

export interface ConsoleView {
  id: string;
  user: string;
  /** The view object as the app sent it, plus Slack's own fields (id, hash, state). */
  view: Record<string, any>;
  hash: string;
  rootViewId: string;
  previousViewId?: string;
}

export interface ConsoleChange {
  kind: 'message' | 'update' | 'delete' | 'view' | 'home' | 'aws' | 'reset';
  ts?: string;
  user?: string;
}

interface Saved {
  seq: number;
  messages: ConsoleMessage[];
  homes: [string, ConsoleView][];
}

export class Workspace extends EventEmitter<{ change: [ConsoleChange] }> {
  messages: ConsoleMessage[] = [];
  /** Open modals per user, bottom first (views.push stacks). */
  readonly modals = new Map<string, ConsoleView[]>();
  readonly homes = new Map<string, ConsoleView>();
  readonly files = new Map<string, ConsoleFile & { bytes?: Buffer; declared: number }>();
  #seq = 0;
  #baseSeconds = Math.floor(Date.now() / 1000);

  constructor(private readonly savePath?: string) {
    super();
    if (savePath) this.#load(savePath);
  }

  nextTs(): string {
    this.#seq += 1;
    return `${this.#baseSeconds}.${String(this.#seq).padStart(6, '0')}`;
  }

  nextId(prefix: string): string {
    this.#seq += 1;
    return `${prefix}0${String(this.#seq).padStart(8, '0')}`;
  }

  user(id: string): ConsoleUser | undefined {
    return USERS.find((u) => u.id === id);
  }

  /** A channel argument (id, name or #name) -> the channel id; a user id -> their DM. */
  resolveChannel(raw: string): string | undefined {
    const name = raw.replace(/^#/, '');
    if (raw === CHANNEL.id || name === CHANNEL.name) return CHANNEL.id;
    if (/^D0/.test(raw) && this.user(`U${raw.slice(1)}`)) return raw;
    if (this.user(raw)) return `D${raw.slice(1)}`;
    return undefined;
  }

  message(channel: string, ts: string): ConsoleMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  add(message: Omit<ConsoleMessage, 'ts' | 'updates'> & { ts?: string }): ConsoleMessage {
    const m: ConsoleMessage = { ...message, ts: message.ts ?? this.nextTs(), updates: 0 };
    this.messages.push(m);
    this.changed({ kind: 'message', ts: m.ts, user: m.ephemeralFor });
    return m;
  }

  changed(change: ConsoleChange): void {
    if (this.savePath && change.kind !== 'aws') this.#save(this.savePath);
    this.emit('change', change);
  }

  /** The channel as `user` sees it: everyone's messages plus their own ephemerals, oldest first. */
  visibleTo(user: string, channel: string = CHANNEL.id): ConsoleMessage[] {
    return this.messages.filter((m) => m.channel === channel && (!m.ephemeralFor || m.ephemeralFor === user));
  }

  topModal(user: string): ConsoleView | undefined {
    return this.modals.get(user)?.at(-1);
  }

  findView(id: string): ConsoleView | undefined {
    for (const stack of this.modals.values()) {
      const v = stack.find((x) => x.id === id);
      if (v) return v;
    }
    for (const v of this.homes.values()) if (v.id === id) return v;
    return undefined;
  }

  #save(path: string): void {
    const saved: Saved = { seq: this.#seq, messages: this.messages, homes: [...this.homes] };
    writeFileSync(`${path}.tmp`, JSON.stringify(saved));
    renameSync(`${path}.tmp`, path);
  }

  #load(path: string): void {
    let saved: Saved;
    try {
      saved = JSON.parse(readFileSync(path, 'utf8')) as Saved;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new Error(`reading the console's messages from ${path}`, { cause: err });
    }
    this.#seq = saved.seq;
    this.messages = saved.messages;
    for (const [k, v] of saved.homes) this.homes.set(k, v);
    // New timestamps must sort after the saved ones.
    const last = Math.max(0, ...this.messages.map((m) => Number(m.ts.split('.')[0])));
    this.#baseSeconds = Math.max(this.#baseSeconds, last);
  }
}
