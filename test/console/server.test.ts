// The console beside real Slack: only the Block Kit gallery, loopback by default, a token for
// anything else. And the fake Web API's refusals, in Slack's own error names.
import { afterEach, describe, expect, it } from 'vitest';
import { type ConsoleServer, startConsoleServer } from '../../src/console/server.js';
import { FakeWebApi } from '../../src/console/web-api.js';
import { Workspace } from '../../src/console/workspace.js';
import { silentLogger } from '../../src/lib/logger.js';
import { galleryEntries } from '../../src/slack/gallery/all-messages.js';

let server: ConsoleServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const local = (path: string) => `${server!.url.replace('localhost', '127.0.0.1')}${path}`;

describe('the console beside Slack', () => {
  it('serves the page and every card the bot can send, and nothing of the sandbox', async () => {
    server = await startConsoleServer({
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
      gallery: galleryEntries,
    });
    expect((await fetch(local('/'))).headers.get('content-type')).toContain('text/html');
    const gallery = (await (await fetch(local('/console/gallery'))).json()) as { entries: unknown[] };
    expect(gallery.entries.length).toBe(galleryEntries().length);
    expect(gallery.entries.length).toBeGreaterThan(40);
    const config = await (await fetch(local('/console/config'))).json();
    expect(config).toMatchObject({ mode: 'gallery' });
    expect((await fetch(local('/console/state'))).status).toBe(404);
    expect((await fetch(local('/api/chat.postMessage'), { method: 'POST' })).status).toBe(404);
  });

  it('will not listen beyond loopback without a token', async () => {
    await expect(
      startConsoleServer({ host: '0.0.0.0', port: 0, log: silentLogger, gallery: galleryEntries }),
    ).rejects.toThrow(/CONSOLE_TOKEN/);
  });

  it('with a token, lets in only who presents it (query once, then the cookie)', async () => {
    const token = 't'.repeat(24);
    server = await startConsoleServer({
      host: '127.0.0.1',
      port: 0,
      token,
      log: silentLogger,
      gallery: galleryEntries,
    });
    expect((await fetch(local('/console/gallery'))).status).toBe(401);
    expect((await fetch(local('/console/gallery?token=wrong-token-wrong-token'))).status).toBe(401);
    const ok = await fetch(local(`/?token=${token}`));
    expect(ok.status).toBe(200);
    const cookie = ok.headers.get('set-cookie')!.split(';')[0]!;
    expect((await fetch(local('/console/gallery'), { headers: { cookie } })).status).toBe(200);
  });
});

describe('the fake Web API', () => {
  const api = () => new FakeWebApi(new Workspace(), { token: 'xoxb-t', baseUrl: () => 'http://127.0.0.1:9' });

  it('answers as Slack does to bad tokens, unknown channels and methods', () => {
    const a = api();
    expect(a.call('chat.postMessage', { channel: 'C0SPOTOPS', text: 'x' }, undefined)).toEqual({
      ok: false,
      error: 'not_authed',
    });
    expect(a.call('chat.postMessage', { channel: 'C0SPOTOPS', text: 'x' }, 'xoxb-other')).toEqual({
      ok: false,
      error: 'invalid_auth',
    });
    expect(a.call('chat.postMessage', { channel: '#elsewhere', text: 'x' }, 'xoxb-t')).toEqual({
      ok: false,
      error: 'channel_not_found',
    });
    expect(a.call('chat.postMessage', { channel: '#spotops' }, 'xoxb-t')).toEqual({
      ok: false,
      error: 'no_text',
    });
    expect(a.call('chat.update', { channel: 'C0SPOTOPS', ts: '1.2', text: 'x' }, 'xoxb-t')).toEqual({
      ok: false,
      error: 'message_not_found',
    });
    expect(a.call('admin.users.list', {}, 'xoxb-t')).toMatchObject({ ok: false, error: 'unknown_method' });
  });

  it('opens a modal only with a trigger it handed out, once', () => {
    const a = api();
    const view = { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] };
    expect(a.call('views.open', { trigger_id: 'made-up', view }, 'xoxb-t')).toEqual({
      ok: false,
      error: 'invalid_trigger_id',
    });
    const trigger = a.trigger('U0BOB');
    expect(a.call('views.open', { trigger_id: trigger, view }, 'xoxb-t')).toMatchObject({
      ok: true,
      view: { type: 'modal' },
    });
    expect(a.call('views.open', { trigger_id: trigger, view }, 'xoxb-t')).toEqual({
      ok: false,
      error: 'invalid_trigger_id',
    });
    expect(a.ws.topModal('U0BOB')?.view).toEqual(view);
  });

  it('threads replies under their parent and updates a card in place', () => {
    const a = api();
    const card = a.call(
      'chat.postMessage',
      { channel: '#spotops', text: 'card', blocks: [{ type: 'divider' }] },
      'xoxb-t',
    );
    a.call('chat.postMessage', { channel: 'C0SPOTOPS', text: 'reply', thread_ts: card.ts }, 'xoxb-t');
    a.call('chat.update', { channel: 'C0SPOTOPS', ts: card.ts, text: 'card v2', blocks: [] }, 'xoxb-t');
    const [parent, reply] = a.ws.messages;
    expect(parent).toMatchObject({ ts: card.ts, text: 'card v2', blocks: [], updates: 1 });
    expect(reply).toMatchObject({ threadTs: card.ts, text: 'reply' });
    expect(
      a.call('chat.postMessage', { channel: 'C0SPOTOPS', text: 'x', thread_ts: '9.9' }, 'xoxb-t'),
    ).toEqual({ ok: false, error: 'thread_not_found' });
  });
});
