// Slack mrkdwn -> HTML for the console: <@user>, <#channel>, <!date^...>, <!subteam^...>, links,
// *bold*, _italic_, ~strike~, `code`, ```blocks```, > quotes and :emoji:. Everything else is
// escaped text. Apps send &, < and > escaped (&amp; &lt; &gt;), as Slack requires.

const EMOJI = {
  warning: '⚠️',
  white_check_mark: '✅',
  heavy_check_mark: '✔️',
  x: '❌',
  rotating_light: '🚨',
  moneybag: '💰',
  money_with_wings: '💸',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  lock: '🔒',
  unlock: '🔓',
  rocket: '🚀',
  fire: '🔥',
  zap: '⚡',
  bulb: '💡',
  mag: '🔍',
  wrench: '🔧',
  hammer_and_wrench: '🛠️',
  broom: '🧹',
  wastebasket: '🗑️',
  ghost: '👻',
  eyes: '👀',
  clock3: '🕒',
  calendar: '📅',
  chart_with_upwards_trend: '📈',
  chart_with_downwards_trend: '📉',
  bar_chart: '📊',
  information_source: 'ℹ️',
  no_entry: '⛔',
  no_entry_sign: '🚫',
  stop_sign: '🛑',
  recycle: '♻️',
  arrows_counterclockwise: '🔄',
  leftwards_arrow_with_hook: '↩️',
  shield: '🛡️',
  key: '🔑',
  package: '📦',
  electric_plug: '🔌',
  cloud: '☁️',
  house: '🏠',
  bell: '🔔',
  memo: '📝',
  tada: '🎉',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  large_orange_circle: '🟠',
  red_circle: '🔴',
  white_circle: '⚪',
  black_circle: '⚫',
  large_blue_circle: '🔵',
  skull: '💀',
  thinking_face: '🤔',
  point_right: '👉',
  link: '🔗',
  pushpin: '📌',
  gear: '⚙️',
  dollar: '💵',
  label: '🏷️',
  satellite: '📡',
  test_tube: '🧪',
  construction: '🚧',
  hand: '✋',
  raised_hand: '✋',
  wave: '👋',
  robot_face: '🤖',
  slack: '#️⃣',
  heavy_plus_sign: '➕',
  heavy_minus_sign: '➖',
  arrow_right: '➡️',
  small_blue_diamond: '🔹',
  small_orange_diamond: '🔸',
  grey_question: '❔',
  question: '❓',
  exclamation: '❗',
  sparkles: '✨',
  alarm_clock: '⏰',
  ambulance: '🚑',
  detective: '🕵️',
  double_vertical_bar: '⏸️',
  point_left: '👈',
  raising_hand: '🙋',
  receipt: '🧾',
  see_no_evil: '🙈',
};

const html = (s) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const unescapeSlack = (s) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

let directory = { users: {}, channels: {} };
/** Names for <@U...> and <#C...>: the console's people and channel. */
export function setDirectory(d) {
  directory = d;
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const pad = (n) => String(n).padStart(2, '0');

function ordinal(n) {
  const s = ['th', 'st', 'nd', 'rd'];
  const v = n % 100;
  return n + (s[(v - 20) % 10] || s[v] || s[0]);
}

function pretty(d, long) {
  const today = new Date();
  const y = new Date(today);
  y.setDate(today.getDate() - 1);
  const t = new Date(today);
  t.setDate(today.getDate() + 1);
  const same = (a, b) => a.toDateString() === b.toDateString();
  if (same(d, today)) return 'today';
  if (same(d, y)) return 'yesterday';
  if (same(d, t)) return 'tomorrow';
  return long;
}

/** Slack's date tokens, in the reader's time zone, as Slack renders them. */
export function formatDate(seconds, format) {
  const d = new Date(seconds * 1000);
  const month = MONTHS[d.getMonth()];
  const dateLong = `${DAYS[d.getDay()]}, ${month} ${ordinal(d.getDate())}, ${d.getFullYear()}`;
  const date = `${month} ${ordinal(d.getDate())}, ${d.getFullYear()}`;
  const dateShort = `${month.slice(0, 3)} ${d.getDate()}, ${d.getFullYear()}`;
  const hours = d.getHours() % 12 || 12;
  const ampm = d.getHours() < 12 ? 'AM' : 'PM';
  const diff = (d.getTime() - Date.now()) / 1000;
  const abs = Math.abs(diff);
  const unit =
    abs < 60
      ? [Math.round(abs), 'second']
      : abs < 3600
        ? [Math.round(abs / 60), 'minute']
        : abs < 86400
          ? [Math.round(abs / 3600), 'hour']
          : [Math.round(abs / 86400), 'day'];
  const ago = `${unit[0]} ${unit[1]}${unit[0] === 1 ? '' : 's'}`;
  const tokens = {
    date_num: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    date,
    date_short: dateShort,
    date_long: dateLong,
    date_pretty: pretty(d, date),
    date_short_pretty: pretty(d, dateShort),
    date_long_pretty: pretty(d, dateLong),
    time: `${hours}:${pad(d.getMinutes())} ${ampm}`,
    time_secs: `${hours}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${ampm}`,
    ago: diff < 0 ? `${ago} ago` : `in ${ago}`,
  };
  return format.replace(/\{(\w+)\}/g, (m, k) => tokens[k] ?? m);
}

/** One `<...>` escape -> HTML. */
function special(inner) {
  const [target, label] = splitOnce(inner, '|');
  if (target.startsWith('@')) {
    const id = target.slice(1);
    const name = label || directory.users[id] || id;
    return `<span class="mention" data-user="${html(id)}">@${html(name)}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    const name = label || directory.channels[id] || id;
    return `<span class="mention channel">#${html(name)}</span>`;
  }
  if (target.startsWith('!date^')) {
    const [, ts, format, link] = target.split('^');
    const text = formatDate(Number(ts), format || '{date}');
    const title = html(label || new Date(Number(ts) * 1000).toISOString());
    return link
      ? `<a class="date" href="${html(link)}" title="${title}" target="_blank" rel="noopener">${html(text)}</a>`
      : `<time class="date" data-ts="${html(ts)}" title="${title}">${html(text)}</time>`;
  }
  if (target.startsWith('!subteam^')) return `<span class="mention">${html(label || '@group')}</span>`;
  if (target.startsWith('!')) return `<span class="mention">@${html(target.slice(1))}</span>`;
  const href = /^(https?:|mailto:)/.test(target) ? target : '#';
  return `<a href="${html(href)}" target="_blank" rel="noopener">${html(label || target)}</a>`;
}

function splitOnce(s, sep) {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}

const STYLES = [
  [/(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?![\w*])/g, '$1<b>$2</b>'],
  [/(^|[^\w_])_(?!\s)([^_\n]+?)_(?![\w_])/g, '$1<i>$2</i>'],
  [/(^|[^\w~])~(?!\s)([^~\n]+?)~(?![\w~])/g, '$1<s>$2</s>'],
];

/** Inline formatting of escaped text (no code spans inside). */
function inline(escaped) {
  let out = escaped;
  for (const [re, rep] of STYLES) out = out.replace(re, rep);
  return out.replace(/:([a-z0-9_+-]+):/g, (m, name) =>
    EMOJI[name] ? `<span class="emoji" title=":${name}:">${EMOJI[name]}</span>` : m,
  );
}

/** Renders mrkdwn text. Code (``` and `) is literal; <...> escapes are resolved everywhere else. */
export function mrkdwn(text) {
  if (!text) return '';
  const parts = [];
  // 1. Code blocks and spans stay literal.
  const re = /```([\s\S]*?)```|`([^`\n]+)`/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    parts.push({ text: text.slice(last, m.index) });
    parts.push(m[1] !== undefined ? { pre: m[1] } : { code: m[2] });
    last = m.index + m[0].length;
  }
  parts.push({ text: text.slice(last) });
  const htmlOut = parts
    .map((p) => {
      if (p.pre !== undefined) return `<pre>${html(unescapeSlack(p.pre.replace(/^\n/, '')))}</pre>`;
      if (p.code !== undefined) return `<code>${html(unescapeSlack(p.code))}</code>`;
      return prose(p.text);
    })
    .join('');
  return htmlOut;
}

/** Text outside code: quotes, specials, styles, newlines. */
function prose(text) {
  const lines = text.split('\n');
  const out = [];
  let quote = [];
  const flush = () => {
    if (quote.length) out.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
    quote = [];
  };
  for (const line of lines) {
    const q = /^(&gt;|>)\s?(.*)$/.exec(line);
    if (q) quote.push(renderLine(q[2]));
    else {
      flush();
      out.push(renderLine(line));
    }
  }
  flush();
  return out
    .join('<br>')
    .replace(/<br>(<blockquote>)/g, '$1')
    .replace(/(<\/blockquote>)<br>/g, '$1');
}

function renderLine(line) {
  const segments = [];
  const re = /<([^<>]+)>/g;
  let last = 0;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    segments.push(inline(html(unescapeSlack(line.slice(last, m.index)))));
    segments.push(special(unescapeSlack(m[1])));
    last = m.index + m[0].length;
  }
  segments.push(inline(html(unescapeSlack(line.slice(last)))));
  return segments.join('');
}

/** plain_text objects: escaped, emoji resolved when `emoji` is not false. */
export function plain(obj) {
  if (!obj) return '';
  const text = html(obj.text ?? '');
  return obj.emoji === false ? text : text.replace(/:([a-z0-9_+-]+):/g, (m, n) => EMOJI[n] ?? m);
}

/** A text object of either type. */
export function textObject(obj) {
  if (!obj) return '';
  return obj.type === 'mrkdwn'
    ? obj.verbatim
      ? html(unescapeSlack(obj.text)).replace(/\n/g, '<br>')
      : mrkdwn(obj.text)
    : plain(obj).replace(/\n/g, '<br>');
}
