// dom.js: building DOM without HTML strings. Every value from the server
// (task data, labels, names, instructions) goes into the page as a text node
// or a property, never through innerHTML, so a payload like
// `<img src=x onerror=...>` is shown as the characters it is.

/** h('div', {class: 'x', onclick: fn, 'aria-label': 'y'}, child, 'text', [more])
 *  Strings and numbers become text nodes; null/false children are skipped;
 *  attributes starting with "on" must be functions (event listeners). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'selected')
        el[k] = v;
      else if (k === 'style') throw new Error('h(): use classes or el.style.prop, not a style attribute (CSP)');
      else if (k === 'href' || k === 'src') el.setAttribute(k, safeUrl(v, k === 'src'));
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Replace el's children. */
export function mount(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A URL that is safe to put in href/src: http(s), same-origin paths,
 *  blob: and data:image/ (src only). Anything else (javascript:, data:text/html,
 *  vbscript:, ...) becomes "about:blank". */
export function safeUrl(url, isSrc = false) {
  const s = String(url ?? '').trim();
  if (s.startsWith('#') || (s.startsWith('/') && !s.startsWith('//'))) return s;
  let u;
  try { u = new URL(s, location.href); } catch { return 'about:blank'; }
  if (u.protocol === 'http:' || u.protocol === 'https:') return u.href;
  if (isSrc && (u.protocol === 'blob:' || /^data:image\/(png|jpe?g|gif|webp);/i.test(s))) return s;
  return 'about:blank';
}

/** A link to a URL from task data: http(s) only, opens in a new tab,
 *  never tells the target who sent it. Other schemes are shown as text. */
export function externalLink(url, text) {
  const s = String(url ?? '');
  let u;
  try { u = new URL(s); } catch { return document.createTextNode(text ?? s); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return document.createTextNode(text ?? s);
  return h('a', { href: u.href, target: '_blank', rel: 'noopener noreferrer' }, text ?? s);
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];
