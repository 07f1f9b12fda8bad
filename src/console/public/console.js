// The console page: a Slack channel for spotops. It shows what the fake Slack keeps (messages,
// threads, ephemerals, modals, App Home), sends what a person does as Slack payloads (via
// /console/*), and refreshes on server-sent events. Beside real Slack only the gallery is shown.
import { h, renderBlocks, viewState } from './blocks.js';
import { setDirectory } from './mrkdwn.js';

const $ = (id) => document.getElementById(id);
const state = {
  config: null,
  user: localStorage.getItem('spotops.user') || 'U0ALICE',
  view: 'channel',
  thread: null,
  messages: [],
  modal: null,
  modalKey: '',
  home: null,
};
/** The exact blocks each rendered message came from, by ts (the tests compare them with the API calls). */
window.__rendered = {};

async function api(path, body) {
  const res = await fetch(
    path,
    body === undefined
      ? {}
      : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  const json = await res.json().catch(() => ({ ok: false, error: `HTTP ${res.status}` }));
  if (!res.ok) throw new Error(json.error || `HTTP ${res.status}`);
  return json;
}

function toast(text) {
  const t = h('div', { class: 'toast', role: 'status' }, text);
  document.body.append(t);
  setTimeout(() => t.remove(), 3000);
}

const person = (id) => state.config.users.find((u) => u.id === id);

function confirmDialog(c) {
  return new Promise((resolve) => {
    const box = $('confirm');
    const done = (v) => {
      $('confirm-overlay').hidden = true;
      box.replaceChildren();
      resolve(v);
    };
    box.replaceChildren(
      h('div', { class: 'modal-title' }, c.title?.text ?? 'Are you sure?'),
      h('div', { class: 'modal-body' }, [
        renderBlocks(
          [{ type: 'section', text: c.text }],
          ctxFor(() => {}),
        ),
      ]),
      h('div', { class: 'modal-footer' }, [
        h('button', { type: 'button', class: 'btn', onclick: () => done(false) }, c.deny?.text ?? 'Cancel'),
        h(
          'button',
          {
            type: 'button',
            class: `btn ${c.style === 'danger' ? 'btn-danger' : 'btn-primary'}`,
            onclick: () => done(true),
          },
          c.confirm?.text ?? 'Yes',
        ),
      ]),
    );
    $('confirm-overlay').hidden = false;
  });
}

function ctxFor(act, extra = {}) {
  return { act, confirm: confirmDialog, users: state.config.users, ...extra };
}

async function report(promise) {
  try {
    const r = await promise;
    if (r.delivery && r.delivery.status !== 'acked')
      toast(`spotops did not acknowledge (${r.delivery.status})`);
    return r;
  } catch (err) {
    toast(String(err.message || err));
    return undefined;
  }
}

// ---- timeline and threads ------------------------------------------------------------------

function timeOf(ts) {
  return new Date(Number(ts.split('.')[0]) * 1000).toLocaleTimeString([], {
    hour: 'numeric',
    minute: '2-digit',
  });
}

function messageEl(m, { inThread = false } = {}) {
  const bot = Boolean(m.botId);
  const slackbot = m.user === 'USLACKBOT';
  const who = bot ? 'spotops' : slackbot ? 'Slackbot' : (person(m.user)?.name ?? m.user);
  const act = (action) =>
    report(api('/console/action', { user: state.user, channel: m.channel, ts: m.ts, action }));
  window.__rendered[m.ts] = m.blocks ?? null;
  const replies = inThread ? [] : state.messages.filter((r) => r.threadTs === m.ts && r.ts !== m.ts);
  const body = h('div', { class: 'msg-main' }, [
    h('div', { class: 'msg-head' }, [
      h('span', { class: 'msg-name' }, who),
      bot ? h('span', { class: 'app-badge' }, 'APP') : null,
      h('span', { class: 'msg-time' }, timeOf(m.ts)),
      m.edited ? h('span', { class: 'edited' }, '(edited)') : null,
      m.ephemeralFor ? h('span', { class: 'only-you' }, 'Only visible to you') : null,
    ]),
    m.blocks?.length
      ? renderBlocks(m.blocks, ctxFor(act))
      : h('div', { class: 'msg-text', html: mrkdwnText(m.text) }),
    ...(m.files ?? []).map((f) =>
      h('div', { class: 'file' }, [
        f.url
          ? h('a', { href: f.url, target: '_blank', rel: 'noopener' }, [
              h('b', {}, `📄 ${f.title || f.name}`),
            ])
          : h('b', {}, `📄 ${f.title || f.name}`),
        f.url && /^image\//.test(f.mimetype ?? '')
          ? h('img', { src: f.url, alt: f.title || f.name, class: 'file-image' })
          : null,
        f.content ? h('pre', {}, f.content) : null,
      ]),
    ),
    replies.length
      ? h(
          'button',
          { type: 'button', class: 'replies', onclick: () => openThread(m.ts) },
          `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`,
        )
      : null,
  ]);
  return h(
    'article',
    {
      class: `msg${m.ephemeralFor ? ' ephemeral' : ''}${m.echo ? ' echo' : ''}`,
      dataset: { ts: m.ts, updates: String(m.updates ?? 0) },
    },
    [
      h('div', { class: `avatar${bot ? ' bot' : ''}${slackbot ? ' slackbot' : ''}` }, who[0].toUpperCase()),
      body,
    ],
  );
}

let mrkdwnText = (t) => t;

function renderTimeline() {
  const el = $('timeline');
  const stick = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  const top = state.messages.filter((m) => !m.threadTs || m.threadTs === m.ts);
  el.replaceChildren(...top.map((m) => messageEl(m)));
  if (stick) el.scrollTop = el.scrollHeight;
  renderThread();
}

function openThread(ts) {
  state.thread = ts;
  renderThread();
}

function renderThread() {
  const pane = $('thread');
  const parent = state.thread && state.messages.find((m) => m.ts === state.thread);
  if (!parent) {
    pane.hidden = true;
    return;
  }
  pane.hidden = false;
  const replies = state.messages.filter((m) => m.threadTs === parent.ts && m.ts !== parent.ts);
  $('thread-body').replaceChildren(
    messageEl(parent, { inThread: true }),
    h('div', { class: 'thread-divider' }, `${replies.length} ${replies.length === 1 ? 'reply' : 'replies'}`),
    ...replies.map((m) => messageEl(m, { inThread: true })),
  );
}

// ---- modals and App Home -------------------------------------------------------------------

function renderModal() {
  const v = state.modal;
  const key = v ? `${v.id}|${v.hash}` : '';
  if (key === state.modalKey) return;
  state.modalKey = key;
  if (!v) {
    $('modal-overlay').hidden = true;
    $('modal').replaceChildren();
    return;
  }
  drawModal(v, {});
}

function drawModal(v, errors) {
  const view = v.view;
  const form = viewState();
  const act = (action) =>
    report(api('/console/action', { user: state.user, view_id: v.id, action, values: form.values }));
  const submit = async () => {
    const r = await report(api('/console/submit', { user: state.user, view_id: v.id, values: form.values }));
    if (r && !r.ok && r.errors) showErrors(r.errors);
    else if (r && !r.ok && r.error) $('modal-error').textContent = r.error;
  };
  const close = async () => {
    await report(api('/console/close', { user: state.user, view_id: v.id }));
  };
  $('modal').replaceChildren(
    h('div', { class: 'modal-title' }, [
      h('span', {}, view.title?.text ?? ''),
      h('button', { type: 'button', class: 'btn', 'aria-label': 'Close', onclick: close }, '✕'),
    ]),
    h('div', { class: 'modal-body', id: 'modal-body' }, [
      renderBlocks(view.blocks, ctxFor(act, { state: form, errors })),
    ]),
    h('div', { class: 'modal-error', id: 'modal-error', role: 'alert' }),
    h('div', { class: 'modal-footer' }, [
      h('button', { type: 'button', class: 'btn', onclick: close }, view.close?.text ?? 'Cancel'),
      view.submit
        ? h('button', { type: 'button', class: 'btn btn-primary', onclick: submit }, view.submit.text)
        : null,
    ]),
  );
  $('modal-overlay').hidden = false;
}

/** response_action: errors -> a message under each named input, values kept. */
function showErrors(errors) {
  for (const el of document.querySelectorAll('#modal-body .input-error')) el.remove();
  for (const [blockId, message] of Object.entries(errors)) {
    const block = document.querySelector(`#modal-body [data-block-id="${CSS.escape(blockId)}"]`);
    if (!block) {
      $('modal-error').textContent = message;
      continue;
    }
    block.classList.add('has-error');
    block.append(h('div', { class: 'input-error', role: 'alert' }, message));
  }
}

function renderHome() {
  const el = $('home');
  if (!state.home) {
    el.replaceChildren(h('p', {}, 'Opening the Home tab...'));
    return;
  }
  const act = (action) =>
    report(api('/console/action', { user: state.user, view_id: state.home.id, action, values: {} }));
  el.replaceChildren(renderBlocks(state.home.view.blocks, ctxFor(act)));
}

// ---- sandbox AWS panel and gallery ---------------------------------------------------------

async function renderAws() {
  const data = await api('/console/aws');
  const el = $('aws');
  el.replaceChildren(
    h('p', {}, [
      'Simulated AWS accounts behind the same client seam real accounts use. Approvals change them; the next scan sees it. ',
      h(
        'button',
        {
          type: 'button',
          class: 'btn',
          id: 'scan-now',
          onclick: async () => toast((await report(api('/console/aws/scan', {})))?.result ?? 'scan failed'),
        },
        'Scan now',
      ),
    ]),
    ...data.accounts.map((a) =>
      h('div', { class: 'aws-account', dataset: { account: a.name } }, [
        h('h2', {}, `${a.name} · ${a.environment} · ${a.awsAccountId}`),
        h(
          'p',
          {},
          `${a.elasticIps.filter((x) => !x.instance).length} unassociated Elastic IPs · ${a.volumes} unattached volumes · ${a.snapshots} snapshots`,
        ),
        h('table', {}, [
          h(
            'tr',
            {},
            ['Instance', 'Name', 'Type', 'Zone', 'Lifecycle', 'State', ''].map((t) => h('th', {}, t)),
          ),
          ...a.instances.map((i) =>
            h('tr', { dataset: { instance: i.id } }, [
              h('td', {}, h('code', {}, i.id)),
              h('td', {}, i.name),
              h('td', {}, i.type),
              h('td', {}, `${i.az} (${i.azId})`),
              h('td', {}, i.lifecycle),
              h('td', {}, i.state),
              h(
                'td',
                {},
                i.lifecycle === 'spot' && i.state === 'running'
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'btn btn-danger',
                        onclick: async () => {
                          const r = await report(
                            api('/console/aws/interrupt', {
                              account: a.name,
                              instanceId: i.id,
                              user: state.user,
                            }),
                          );
                          if (r) toast(`Interruption warning sent for ${i.id}: ${r.result}`);
                        },
                      },
                      'Send Spot interruption warning',
                    )
                  : '',
              ),
            ]),
          ),
        ]),
      ]),
    ),
    h('h2', {}, 'Spot pools in use'),
    h(
      'div',
      { class: 'pools' },
      data.accounts.flatMap((a) => {
        const pools = new Map();
        for (const i of a.instances.filter((x) => x.lifecycle === 'spot' && x.state === 'running'))
          pools.set(`${i.azId}/${i.type}`, { azId: i.azId, instanceType: i.type });
        return [...pools.entries()].map(([key, pool]) =>
          h('div', { dataset: { pool: `${a.name}/${key}` } }, [
            `${a.name} · ${key} `,
            h(
              'button',
              {
                type: 'button',
                class: 'btn btn-danger',
                onclick: async () => {
                  const r = await report(
                    api('/console/aws/interrupt', { account: a.name, pool, user: state.user }),
                  );
                  if (r) toast(`Interruption warnings sent for the pool ${key}: ${r.result}`);
                },
              },
              'Interrupt pool',
            ),
          ]),
        );
      }),
    ),
    h('h2', {}, 'Recent changes'),
    h(
      'div',
      { class: 'events' },
      data.events.map((e) =>
        h('div', {}, `${new Date(e.at).toLocaleTimeString()} ${e.account} ${e.command}: ${e.summary}`),
      ),
    ),
  );
}

async function renderGallery() {
  const { entries } = await api('/console/gallery');
  const el = $('gallery');
  const act = async () => toast('Preview only: buttons do nothing here.');
  el.replaceChildren(
    h('p', {}, `${entries.length} messages and views, exactly as spotops builds them.`),
    ...entries.map((e) =>
      h('div', { class: 'gallery-entry' }, [
        h('h2', {}, `${e.builder} · ${e.name}`),
        e.output.text && !e.output.type ? h('div', { class: 'msg-text' }, e.output.text) : null,
        renderBlocks(e.output.blocks, ctxFor(act)),
      ]),
    ),
  );
}

// ---- navigation, composer, live updates ----------------------------------------------------

function show(view) {
  state.view = view;
  for (const [name, id] of [
    ['channel', 'timeline'],
    ['home', 'home'],
    ['gallery', 'gallery'],
    ['aws', 'aws'],
  ])
    $(id).hidden = view !== name;
  for (const [name, id] of [
    ['channel', 'nav-channel'],
    ['home', 'nav-home'],
    ['gallery', 'nav-gallery'],
    ['aws', 'nav-aws'],
  ])
    $(id).classList.toggle('active', view === name);
  $('composer').hidden = view !== 'channel' || state.config.mode !== 'sandbox';
  $('view-title').textContent = {
    channel: '# spotops',
    home: 'spotops · Home',
    gallery: 'Block Kit gallery',
    aws: 'Sandbox AWS accounts',
  }[view];
  if (view === 'home') {
    renderHome();
    report(api('/console/home', { user: state.user }));
  }
  if (view === 'gallery') renderGallery();
  if (view === 'aws') renderAws();
}

async function refresh() {
  if (state.config.mode !== 'sandbox') return;
  const s = await api(`/console/state?user=${encodeURIComponent(state.user)}`);
  state.messages = s.messages;
  state.modal = s.modal;
  state.home = s.home;
  renderTimeline();
  renderModal();
  if (state.view === 'home') renderHome();
  document.body.dataset.ready = 'true';
}

let pending;
function scheduleRefresh(change) {
  clearTimeout(pending);
  pending = setTimeout(() => {
    refresh();
    if (state.view === 'aws' && change?.kind === 'aws') renderAws();
  }, 30);
}

function setupComposer() {
  const box = $('message-box');
  const list = $('completions');
  let selected = 0;
  let items = [];
  const usageOf = (c) => `/spot ${c.usage}`;
  const update = () => {
    const v = box.value;
    const m = /^\/(s(p(o(t)?)?)?)?(\s+(\S*))?$/.exec(v);
    if (!v.startsWith('/') || !m) {
      list.hidden = true;
      items = [];
      return;
    }
    const word = (m[6] ?? '').toLowerCase();
    items = state.config.commands.filter((c) => c.name.startsWith(word));
    selected = Math.min(selected, Math.max(0, items.length - 1));
    list.replaceChildren(
      ...items.map((c, i) =>
        h(
          'div',
          {
            class: `completion${i === selected ? ' selected' : ''}`,
            role: 'option',
            dataset: { name: c.name },
            onmousedown: (e) => {
              e.preventDefault();
              choose(i);
            },
          },
          [h('span', { class: 'usage' }, usageOf(c)), h('span', { class: 'summary' }, c.summary ?? '')],
        ),
      ),
    );
    list.hidden = items.length === 0;
  };
  const choose = (i) => {
    const c = items[i];
    if (!c) return;
    box.value = `/spot ${c.name} `;
    box.placeholder = usageOf(c);
    list.hidden = true;
    box.focus();
  };
  box.addEventListener('input', update);
  box.addEventListener('keydown', (e) => {
    if (list.hidden) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      selected = (selected + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      update();
    } else if (e.key === 'Tab') {
      e.preventDefault();
      choose(selected);
    } else if (e.key === 'Escape') list.hidden = true;
  });
  $('composer').addEventListener('submit', async (e) => {
    e.preventDefault();
    const text = box.value.trim();
    if (!text) return;
    if (!text.startsWith('/spot')) {
      toast('This console sends /spot commands: try /spot help');
      return;
    }
    box.value = '';
    box.placeholder = 'Message #spotops — type /spot';
    list.hidden = true;
    await report(api('/console/command', { user: state.user, text }));
  });
}

function setupUsers() {
  const picker = $('user-picker');
  picker.replaceChildren(
    ...state.config.users.map((u) =>
      h('option', { value: u.id, selected: u.id === state.user }, `${u.name} (${u.role})`),
    ),
  );
  const role = () =>
    ($('user-role').textContent = `${person(state.user).realName} · ${person(state.user).role}`);
  role();
  picker.addEventListener('change', () => {
    state.user = picker.value;
    localStorage.setItem('spotops.user', state.user);
    state.modalKey = '';
    role();
    refresh();
    if (state.view === 'home') show('home');
  });
}

async function main() {
  state.config = await api('/console/config');
  const { mrkdwn } = await import('./mrkdwn.js');
  mrkdwnText = mrkdwn;
  setDirectory({
    users: Object.fromEntries([
      ...state.config.users.map((u) => [u.id, u.name]),
      [state.config.bot.userId, state.config.bot.name],
    ]),
    channels: { [state.config.channel.id]: state.config.channel.name },
  });
  $('workspace-name').textContent = state.config.team.name;
  $('banner').textContent = state.config.banner;
  $('nav-channel').onclick = () => show('channel');
  $('nav-home').onclick = () => show('home');
  $('nav-gallery').onclick = () => show('gallery');
  $('nav-aws').onclick = () => show('aws');
  $('thread-close').onclick = () => {
    state.thread = null;
    renderThread();
  };
  if (state.config.mode !== 'sandbox') {
    for (const el of document.querySelectorAll('.sandbox-only, #nav-channel, #nav-home')) el.hidden = true;
    show('gallery');
    document.body.dataset.ready = 'true';
    return;
  }
  setupUsers();
  setupComposer();
  show('channel');
  await refresh();
  const events = new EventSource('/console/events');
  events.onmessage = (e) => scheduleRefresh(JSON.parse(e.data));
  events.onerror = () => setTimeout(refresh, 1000);
}

main().catch((err) => toast(`console failed to start: ${err.message}`));
