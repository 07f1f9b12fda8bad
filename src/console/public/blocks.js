// Block Kit -> DOM for the console: every block and element spotops sends (section with fields
// and accessories, header, context, divider, actions, input, image, rich_text) and the elements
// inside them (buttons with styles, URLs and confirm dialogs, overflow menus, static/users
// selects, text and number inputs, date pickers, checkboxes, radio buttons). Interactive elements
// report Slack's own action objects; inputs keep Slack's view state shape for submissions.
// Vanilla on purpose: the maintained renderers (slack-blocks-to-jsx and friends) need React and a
// bundler, a frontend build the product does not otherwise have; this file is served as is.
import { plain, textObject } from './mrkdwn.js';

/** Tiny DOM helper: h('div', { class: 'x', onclick }, [children]). */
export function h(tag, attrs = {}, children = []) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'html') el.innerHTML = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of [].concat(children)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

let autoId = 0;
const blockIdOf = (block) => block.block_id ?? `auto_${++autoId}`;

/**
 * ctx: { act(action, blockId) -> Promise, confirm(dialog) -> Promise<boolean>, users: [{id,name}],
 *        state: { values } (modal inputs write here), errors: { [blockId]: message } }
 */
export function renderBlocks(blocks, ctx) {
  const root = h('div', { class: 'blocks' });
  (blocks ?? []).forEach((block, index) => {
    const render = BLOCKS[block.type];
    const el = render ? render(block, ctx) : h('div', { class: 'unsupported' }, `[${block.type} block]`);
    el.classList.add('block', `block-${block.type}`);
    el.dataset.blockType = block.type;
    el.dataset.blockIndex = String(index);
    if (block.block_id) el.dataset.blockId = block.block_id;
    root.append(el);
  });
  return root;
}

const BLOCKS = {
  section(b, ctx) {
    const blockId = blockIdOf(b);
    const body = h('div', { class: 'section-body' }, [
      b.text ? h('div', { class: 'section-text', html: textObject(b.text) }) : null,
      b.fields?.length
        ? h(
            'div',
            { class: 'fields' },
            b.fields.map((f) => h('div', { class: 'field', html: textObject(f) })),
          )
        : null,
    ]);
    return h('div', {}, [
      body,
      b.accessory ? h('div', { class: 'accessory' }, [element(b.accessory, blockId, ctx)]) : null,
    ]);
  },
  header(b) {
    return h('div', { html: plain(b.text) });
  },
  divider() {
    return h('hr');
  },
  context(b) {
    return h(
      'div',
      {},
      (b.elements ?? []).map((e) =>
        e.type === 'image'
          ? h('img', { src: e.image_url, alt: e.alt_text, class: 'context-image' })
          : h('span', { class: 'context-item', html: textObject(e) }),
      ),
    );
  },
  actions(b, ctx) {
    const blockId = blockIdOf(b);
    return h(
      'div',
      {},
      (b.elements ?? []).map((e) => element(e, blockId, ctx)),
    );
  },
  image(b) {
    return h('figure', {}, [
      b.title ? h('figcaption', { html: plain(b.title) }) : null,
      h('img', { src: b.image_url, alt: b.alt_text }),
    ]);
  },
  input(b, ctx) {
    const blockId = blockIdOf(b);
    const error = ctx.errors?.[blockId];
    return h('div', { class: error ? 'has-error' : undefined }, [
      h('label', { class: 'input-label' }, [
        h('span', { html: plain(b.label) }),
        b.optional ? h('span', { class: 'optional' }, ' (optional)') : null,
      ]),
      inputElement(b.element, blockId, ctx, b.dispatch_action),
      b.hint ? h('div', { class: 'hint', html: plain(b.hint) }) : null,
      error ? h('div', { class: 'input-error', role: 'alert' }, error) : null,
    ]);
  },
  rich_text(b) {
    const text = (b.elements ?? [])
      .flatMap((s) => s.elements ?? [])
      .map((e) => e.text ?? (e.type === 'user' ? `@${e.user_id}` : e.type === 'link' ? e.url : ''))
      .join('');
    return h('div', {}, text);
  },
  markdown(b) {
    return h('div', {}, b.text);
  },
};

function buttonAction(e, blockId) {
  return {
    action_id: e.action_id,
    block_id: blockId,
    type: 'button',
    text: e.text,
    ...(e.value !== undefined ? { value: e.value } : {}),
    ...(e.style ? { style: e.style } : {}),
  };
}

async function confirmed(e, ctx) {
  return e.confirm ? ctx.confirm(e.confirm) : true;
}

function element(e, blockId, ctx) {
  switch (e.type) {
    case 'button': {
      const btn = h(
        'button',
        {
          class: `btn ${e.style ? `btn-${e.style}` : ''}`,
          type: 'button',
          dataset: { actionId: e.action_id ?? '', value: e.value ?? '' },
          onclick: async () => {
            if (e.url) window.open(e.url, '_blank', 'noopener');
            if (!(await confirmed(e, ctx))) return;
            btn.disabled = true;
            try {
              await ctx.act(buttonAction(e, blockId), blockId);
            } finally {
              btn.disabled = false;
            }
          },
        },
        [h('span', { html: plain(e.text) })],
      );
      return btn;
    }
    case 'overflow': {
      const wrap = h('div', { class: 'overflow' });
      const menu = h('div', { class: 'overflow-menu', hidden: true });
      for (const o of e.options ?? []) {
        menu.append(
          h('button', {
            type: 'button',
            class: 'overflow-option',
            html: plain(o.text),
            onclick: async () => {
              menu.hidden = true;
              if (o.url) window.open(o.url, '_blank', 'noopener');
              if (!(await confirmed(e, ctx))) return;
              await ctx.act(
                { action_id: e.action_id, block_id: blockId, type: 'overflow', selected_option: o },
                blockId,
              );
            },
          }),
        );
      }
      wrap.append(
        h(
          'button',
          {
            type: 'button',
            class: 'btn overflow-toggle',
            'aria-label': 'More actions',
            onclick: () => (menu.hidden = !menu.hidden),
          },
          '⋯',
        ),
        menu,
      );
      return wrap;
    }
    case 'static_select':
    case 'users_select':
    case 'conversations_select':
    case 'channels_select':
    case 'external_select':
      return selectElement(e, blockId, ctx, true);
    case 'datepicker':
      return h('input', {
        type: 'date',
        value: e.initial_date,
        onchange: async (ev) => {
          if (await confirmed(e, ctx))
            await ctx.act(
              {
                action_id: e.action_id,
                block_id: blockId,
                type: 'datepicker',
                selected_date: ev.target.value,
              },
              blockId,
            );
        },
      });
    case 'image':
      return h('img', { class: 'accessory-image', src: e.image_url, alt: e.alt_text });
    default:
      return inputElement(e, blockId, ctx, true);
  }
}

function options(e, ctx) {
  if (e.type === 'users_select')
    return ctx.users.map((u) => ({
      text: { type: 'plain_text', text: `${u.realName} (@${u.name})` },
      value: u.id,
    }));
  if (e.option_groups) return e.option_groups.flatMap((g) => g.options);
  return e.options ?? [];
}

function selectElement(e, blockId, ctx, dispatch) {
  const opts = options(e, ctx);
  const initial = e.type === 'users_select' ? e.initial_user : e.initial_option?.value;
  const select = h('select', { class: 'select', 'data-action-id': e.action_id }, [
    h('option', { value: '', selected: !initial }, e.placeholder?.text ?? 'Select an option'),
    ...opts.map((o) => h('option', { value: o.value, selected: o.value === initial }, o.text.text)),
  ]);
  const chosenValue = (v) =>
    e.type === 'users_select'
      ? { type: e.type, selected_user: v || null }
      : { type: e.type, selected_option: opts.find((o) => o.value === v) ?? null };
  if (ctx.state && ctx.inInput) ctx.state.set(blockId, e.action_id, chosenValue(initial ?? ''));
  select.addEventListener('change', async () => {
    const v = chosenValue(select.value);
    if (ctx.state && ctx.inInput) ctx.state.set(blockId, e.action_id, v);
    if (dispatch) {
      if (!(await confirmed(e, ctx))) return;
      await ctx.act(
        {
          action_id: e.action_id,
          block_id: blockId,
          ...v,
          ...(e.placeholder ? { placeholder: e.placeholder } : {}),
        },
        blockId,
      );
    }
  });
  return select;
}

function inputElement(e, blockId, ctx, dispatch) {
  const input = { ...ctx, inInput: true };
  switch (e.type) {
    case 'plain_text_input':
    case 'number_input':
    case 'email_text_input':
    case 'url_text_input': {
      const attrs = {
        class: 'text-input',
        'data-action-id': e.action_id,
        placeholder: e.placeholder?.text,
        maxlength: e.max_length,
        ...(e.type === 'number_input' ? { inputmode: e.is_decimal_allowed ? 'decimal' : 'numeric' } : {}),
      };
      const el = e.multiline
        ? h('textarea', { ...attrs, rows: 3 })
        : h('input', { ...attrs, type: e.type === 'number_input' ? 'text' : 'text' });
      const initial = e.initial_value ?? '';
      el.value = initial;
      const set = () =>
        ctx.state?.set(blockId, e.action_id, { type: e.type, value: el.value === '' ? null : el.value });
      set();
      el.addEventListener('input', set);
      return el;
    }
    case 'checkboxes':
    case 'radio_buttons': {
      const multi = e.type === 'checkboxes';
      const chosen = new Set(
        multi
          ? (e.initial_options ?? []).map((o) => o.value)
          : e.initial_option
            ? [e.initial_option.value]
            : [],
      );
      const name = `${blockId}-${e.action_id}`;
      const save = () => {
        const sel = (e.options ?? []).filter((o) => chosen.has(o.value));
        ctx.state?.set(
          blockId,
          e.action_id,
          multi ? { type: e.type, selected_options: sel } : { type: e.type, selected_option: sel[0] ?? null },
        );
      };
      save();
      return h(
        'div',
        { class: 'choices' },
        (e.options ?? []).map((o) =>
          h('label', { class: 'choice' }, [
            h('input', {
              type: multi ? 'checkbox' : 'radio',
              name,
              checked: chosen.has(o.value),
              onchange: (ev) => {
                if (!multi) chosen.clear();
                ev.target.checked ? chosen.add(o.value) : chosen.delete(o.value);
                save();
              },
            }),
            h('span', { html: textObject(o.text) }),
          ]),
        ),
      );
    }
    case 'datepicker': {
      const el = h('input', { type: 'date', value: e.initial_date ?? '' });
      const set = () =>
        ctx.state?.set(blockId, e.action_id, { type: 'datepicker', selected_date: el.value || null });
      set();
      el.addEventListener('change', set);
      return el;
    }
    default:
      if (/select$/.test(e.type)) return selectElement(e, blockId, input, dispatch);
      return h('div', { class: 'unsupported' }, `[${e.type} element]`);
  }
}

/** Slack's view state collector: values[block_id][action_id] = { type, value | selected_* }. */
export function viewState() {
  const values = {};
  return {
    values,
    set(blockId, actionId, value) {
      values[blockId] ??= {};
      values[blockId][actionId] = value;
    },
  };
}
