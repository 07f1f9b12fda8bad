// Test-side checker for Slack messages and views: returns every limit violation (empty = valid).
// Independent of src/slack/blocks/limits.ts on purpose: the builders enforce, this checks. Numbers
// are Slack's documented limits (Block Kit reference) plus two project rules that are stricter:
// button values <= 255 characters and <= 10 elements per actions block.

export interface Violation {
  pointer: string;
  rule: string;
  message: string;
}

export type Surface = 'message' | 'modal' | 'home';

const L = {
  messageBlocks: 50,
  viewBlocks: 100,
  messageText: 40000,
  blockId: 255,
  actionId: 255,
  textObject: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 10, // project rule (Slack: 25)
  buttonText: 75,
  buttonValue: 255, // project rule (Slack: 2000)
  buttonUrl: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  inputLabel: 2000,
  placeholder: 150,
  viewTitle: 24,
  privateMetadata: 3000,
  callbackId: 255,
  plainTextInputMax: 3000,
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Slack counts characters, not UTF-16 units. */
const len = (s: unknown) => (typeof s === 'string' ? [...s].length : 0);

class Collector {
  readonly out: Violation[] = [];
  add(pointer: string, rule: string, message: string) {
    this.out.push({ pointer, rule, message });
  }
  maxLen(pointer: string, s: unknown, max: number, rule: string) {
    if (typeof s === 'string' && len(s) > max) this.add(pointer, rule, `${len(s)} characters, limit ${max}`);
  }
  maxItems(pointer: string, a: unknown, max: number, rule: string) {
    if (Array.isArray(a) && a.length > max) this.add(pointer, rule, `${a.length} items, limit ${max}`);
  }
}

function text(c: Collector, ptr: string, t: unknown, max: number, rule: string, plainOnly = false) {
  if (t === undefined) return;
  if (!isObj(t)) return c.add(ptr, 'text-object', 'must be a text object');
  if (t.type !== 'plain_text' && t.type !== 'mrkdwn')
    c.add(`${ptr}/type`, 'text-object', `unknown type ${String(t.type)}`);
  if (plainOnly && t.type !== 'plain_text') c.add(`${ptr}/type`, 'text-object', 'must be plain_text');
  if (typeof t.text !== 'string' || len(t.text) < 1) c.add(`${ptr}/text`, 'text-object', 'must not be empty');
  c.maxLen(`${ptr}/text`, t.text, Math.min(max, L.textObject), rule);
}

function confirm(c: Collector, ptr: string, cf: unknown) {
  if (!isObj(cf)) return;
  text(c, `${ptr}/title`, cf.title, L.confirmTitle, 'confirm-title', true);
  text(c, `${ptr}/text`, cf.text, L.confirmText, 'confirm-text');
  text(c, `${ptr}/confirm`, cf.confirm, L.confirmButton, 'confirm-button', true);
  text(c, `${ptr}/deny`, cf.deny, L.confirmButton, 'confirm-button', true);
}

function element(c: Collector, ptr: string, el: unknown) {
  if (!isObj(el)) return c.add(ptr, 'element', 'must be an object');
  c.maxLen(`${ptr}/action_id`, el.action_id, L.actionId, 'action-id');
  if (el.placeholder !== undefined)
    text(c, `${ptr}/placeholder`, el.placeholder, L.placeholder, 'placeholder', true);
  if (el.confirm !== undefined) confirm(c, `${ptr}/confirm`, el.confirm);
  if (el.type === 'button') {
    text(c, `${ptr}/text`, el.text, L.buttonText, 'button-text', true);
    c.maxLen(`${ptr}/value`, el.value, L.buttonValue, 'button-value');
    c.maxLen(`${ptr}/url`, el.url, L.buttonUrl, 'button-url');
  }
  if (
    el.type === 'plain_text_input' &&
    typeof el.max_length === 'number' &&
    el.max_length > L.plainTextInputMax
  ) {
    c.add(
      `${ptr}/max_length`,
      'plain-text-input',
      `max_length ${el.max_length}, limit ${L.plainTextInputMax}`,
    );
  }
}

/** Slack requires action_ids to be unique within their block. */
function uniqueActionIds(c: Collector, ptr: string, elements: unknown[]) {
  const seen = new Set<string>();
  for (const el of elements) {
    if (!isObj(el) || typeof el.action_id !== 'string') continue;
    if (seen.has(el.action_id))
      c.add(ptr, 'action-id-unique', `action_id ${el.action_id} repeated in one block`);
    seen.add(el.action_id);
  }
}

function block(c: Collector, ptr: string, b: unknown) {
  if (!isObj(b)) return c.add(ptr, 'block', 'must be an object');
  c.maxLen(`${ptr}/block_id`, b.block_id, L.blockId, 'block-id');
  switch (b.type) {
    case 'section':
      if (b.text === undefined && b.fields === undefined) c.add(ptr, 'section', 'needs text or fields');
      text(c, `${ptr}/text`, b.text, L.textObject, 'section-text');
      c.maxItems(`${ptr}/fields`, b.fields, L.sectionFields, 'section-fields');
      if (Array.isArray(b.fields)) {
        b.fields.forEach((f, i) => {
          text(c, `${ptr}/fields/${i}`, f, L.sectionFieldText, 'section-field-text');
        });
      }
      if (b.accessory !== undefined) element(c, `${ptr}/accessory`, b.accessory);
      break;
    case 'header':
      text(c, `${ptr}/text`, b.text, L.headerText, 'header-text', true);
      break;
    case 'context':
      if (!Array.isArray(b.elements) || b.elements.length === 0)
        c.add(`${ptr}/elements`, 'context', 'must not be empty');
      c.maxItems(`${ptr}/elements`, b.elements, L.contextElements, 'context-elements');
      if (Array.isArray(b.elements)) {
        b.elements.forEach((e, i) => {
          if (isObj(e) && e.type === 'image') return;
          text(c, `${ptr}/elements/${i}`, e, L.textObject, 'context-text');
        });
      }
      break;
    case 'actions':
      if (!Array.isArray(b.elements) || b.elements.length === 0) {
        c.add(`${ptr}/elements`, 'actions', 'must not be empty');
        break;
      }
      c.maxItems(`${ptr}/elements`, b.elements, L.actionsElements, 'actions-elements');
      b.elements.forEach((e, i) => {
        element(c, `${ptr}/elements/${i}`, e);
      });
      uniqueActionIds(c, ptr, b.elements);
      break;
    case 'input':
      text(c, `${ptr}/label`, b.label, L.inputLabel, 'input-label', true);
      text(c, `${ptr}/hint`, b.hint, L.inputLabel, 'input-hint', true);
      element(c, `${ptr}/element`, b.element);
      break;
    case 'divider':
      break;
    default:
      c.add(`${ptr}/type`, 'block', `unexpected block type ${String(b.type)}`);
  }
}

export function checkBlocks(blocks: unknown, surface: Surface = 'message', prefix = '/blocks'): Violation[] {
  const c = new Collector();
  if (!Array.isArray(blocks)) {
    c.add(prefix, 'blocks', 'must be an array');
    return c.out;
  }
  c.maxItems(prefix, blocks, surface === 'message' ? L.messageBlocks : L.viewBlocks, 'block-count');
  const ids = new Set<string>();
  blocks.forEach((b, i) => {
    block(c, `${prefix}/${i}`, b);
    if (isObj(b) && typeof b.block_id === 'string') {
      if (ids.has(b.block_id))
        c.add(`${prefix}/${i}/block_id`, 'block-id-unique', `block_id ${b.block_id} repeated`);
      ids.add(b.block_id);
    }
  });
  return c.out;
}

/** A chat.postMessage / chat.update / respond body. */
export function checkMessage(
  msg: { text: string; blocks: unknown },
  surface: Surface = 'message',
): Violation[] {
  const c = new Collector();
  if (typeof msg.text !== 'string' || msg.text.trim() === '')
    c.add('/text', 'text', 'fallback text must not be empty');
  c.maxLen('/text', msg.text, L.messageText, 'message-text');
  return [...c.out, ...checkBlocks(msg.blocks, surface)];
}

/** A modal or Home tab view. */
export function checkView(view: unknown): Violation[] {
  const c = new Collector();
  if (!isObj(view)) {
    c.add('/', 'view', 'must be an object');
    return c.out;
  }
  const surface: Surface = view.type === 'home' ? 'home' : 'modal';
  if (surface === 'modal') {
    if (view.title === undefined) c.add('/title', 'view-title', 'modals need a title');
    for (const k of ['title', 'submit', 'close']) text(c, `/${k}`, view[k], L.viewTitle, 'view-title', true);
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInput && view.submit === undefined)
      c.add('/submit', 'view-submit', 'a modal with inputs needs submit');
  }
  c.maxLen('/private_metadata', view.private_metadata, L.privateMetadata, 'private-metadata');
  c.maxLen('/callback_id', view.callback_id, L.callbackId, 'callback-id');
  return [...c.out, ...checkBlocks(view.blocks, surface)];
}

/** Every interactive element (button, select, input) found anywhere in the blocks. */
export function interactiveElements(blocks: unknown): Obj[] {
  const found: Obj[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!isObj(v)) return;
    if (typeof v.action_id === 'string') found.push(v);
    for (const child of Object.values(v)) walk(child);
  };
  walk(blocks);
  return found;
}

export function actionIds(blocks: unknown): string[] {
  return interactiveElements(blocks).map((e) => e.action_id as string);
}

export function buttonValues(blocks: unknown): string[] {
  return interactiveElements(blocks)
    .filter((e) => e.type === 'button' && typeof e.value === 'string')
    .map((e) => e.value as string);
}
