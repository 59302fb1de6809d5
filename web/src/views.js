// views.js: how one value of a task's data is shown, per the schema's view
// kinds (docs/schema.md): text, markdown, code, chat, json, image, audio,
// video. Every value is data from outside, so it reaches the page as text
// nodes and properties; the one HTML path is markdown, which goes through
// markdown-it (html: false) and then DOMPurify with a small allowlist, and
// is appended as a DOM fragment (never assigned to innerHTML here).
// A value that is not the type a kind expects is shown as text.
import MarkdownIt from 'markdown-it';
import createDOMPurify from 'dompurify';
import { EditorState } from '@codemirror/state';
import { EditorView, lineNumbers } from '@codemirror/view';
import { syntaxHighlighting, defaultHighlightStyle } from '@codemirror/language';
import { python } from '@codemirror/lang-python';
import { javascript } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';
import { cpp } from '@codemirror/lang-cpp';
import { go } from '@codemirror/lang-go';
import { java } from '@codemirror/lang-java';
import { rust } from '@codemirror/lang-rust';
import { sql } from '@codemirror/lang-sql';
import { h, safeUrl } from './lib/dom.js';

/** Any value as readable text: strings as they are, the rest as JSON. */
export function valueText(v) {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  try { return JSON.stringify(v, null, 2); } catch { return String(v); }
}

const textBlock = (v, cls = 'v-text') => h('div', { class: cls }, valueText(v));

// ---- markdown ------------------------------------------------------------

const md = new MarkdownIt({ html: false, linkify: false, typographer: false });
// An instance of our own, so that its hooks do not touch anyone else's.
const purify = createDOMPurify(window);
const TAGS = ['p', 'em', 'strong', 'code', 'pre', 'ul', 'ol', 'li', 'blockquote',
  'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'a', 'br', 'hr',
  'table', 'thead', 'tbody', 'tr', 'th', 'td'];
purify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName !== 'A') return;
  let ok = false;
  try { ok = /^https?:$/.test(new URL(node.getAttribute('href') || '', location.href).protocol); } catch { /* bad URL */ }
  // Only absolute http(s) links survive; a relative one would point into the app.
  if (!ok || !/^https?:\/\//i.test(node.getAttribute('href') || '')) { node.removeAttribute('href'); return; }
  node.setAttribute('rel', 'noopener noreferrer');
  node.setAttribute('target', '_blank');
});

/** Markdown source → a sanitized element (class v-markdown). */
export function markdownEl(src, cls = 'v-markdown') {
  const frag = purify.sanitize(md.render(String(src ?? '')), {
    ALLOWED_TAGS: TAGS, ALLOWED_ATTR: ['href'], RETURN_DOM_FRAGMENT: true,
  });
  const el = h('div', { class: cls });
  el.append(frag);
  return el;
}

// ---- code ----------------------------------------------------------------

const LANGS = {
  python, py: python, javascript, js: javascript, jsx: () => javascript({ jsx: true }),
  typescript: () => javascript({ typescript: true }), ts: () => javascript({ typescript: true }),
  json, c: cpp, cpp, 'c++': cpp, go, golang: go, java, rust, rs: rust, sql,
};

// CodeMirror's styles go into a <style> element when it is mounted in the
// document, which the page's CSP refuses; in a shadow root they become an
// adopted (constructed) style sheet, which CSP allows. Hence the shadow root.
const codeTheme = EditorView.theme({
  '&': { maxHeight: '60vh', fontSize: '13px', backgroundColor: '#fff' },
  '.cm-scroller': { overflow: 'auto', fontFamily: 'ui-monospace, SFMono-Regular, Menlo, monospace' },
});

/** Code, read-only, with line numbers and highlighting. → {el, view} */
export function codeEl(src, language) {
  const el = h('div', { class: 'v-code' });
  const shadow = el.attachShadow({ mode: 'open' });
  const parent = document.createElement('div');
  shadow.append(parent);
  const lang = LANGS[String(language || '').toLowerCase()];
  const view = new EditorView({
    parent,
    root: shadow,
    state: EditorState.create({
      doc: String(src),
      extensions: [lineNumbers(), syntaxHighlighting(defaultHighlightStyle, { fallback: true }), codeTheme,
        EditorState.readOnly.of(true), EditorView.editable.of(false), EditorView.lineWrapping,
        ...(lang ? [lang()] : [])],
    }),
  });
  view.contentDOM.setAttribute('aria-label', 'Code' + (language ? ` (${language})` : ''));
  return { el, view };
}

// ---- chat ----------------------------------------------------------------

function chatEl(turns) {
  return h('ol', { class: 'v-chat' }, turns.map((t) => {
    const role = t && typeof t.role === 'string' ? t.role : 'unknown';
    const known = ['user', 'assistant', 'system', 'tool'].includes(role) ? role : 'other';
    return h('li', { class: 'turn turn-' + known },
      h('span', { class: 'role' }, role),
      h('div', { class: 'content' }, valueText(t && 'content' in t ? t.content : t)));
  }));
}
const isChat = (v) => Array.isArray(v) && v.every((t) => t && typeof t === 'object' && 'content' in t);

// ---- media ---------------------------------------------------------------

function mediaEl(kind, v, source) {
  if (typeof v !== 'string') return textBlock(v);
  const url = safeUrl(v, true);
  // A scheme we refuse (javascript:, data:text/html, ...) is shown as text.
  if (url === 'about:blank') return h('div', { class: 'v-text v-refused' }, v);
  if (kind === 'image') return h('img', { class: 'v-image', src: url, alt: `Image ${source}` });
  return h(kind, { class: 'v-' + kind, src: url, controls: true, preload: 'metadata', 'aria-label': `${kind} ${source}` });
}

/** renderView(view, value) → {el, destroy()}; view = {source, kind, language}. */
export function renderView(view, value) {
  const kind = view.kind || 'text';
  let el;
  let destroy = () => {};
  switch (kind) {
    case 'markdown': el = typeof value === 'string' ? markdownEl(value) : textBlock(value); break;
    case 'code':
      if (typeof value === 'string') { const c = codeEl(value, view.language); el = c.el; destroy = () => c.view.destroy(); }
      else el = textBlock(value);
      break;
    case 'chat': el = isChat(value) ? chatEl(value) : textBlock(value); break;
    case 'json': el = textBlock(value, 'v-json'); break;
    case 'image': case 'audio': case 'video': el = mediaEl(kind, value, view.source); break;
    default: el = textBlock(value);
  }
  return { el, destroy };
}

/** A view with its caption (the data key), as the labeling form shows it. */
export function viewBlock(view, value, extra) {
  const r = renderView(view, value);
  return {
    el: h('figure', { class: 'view view-' + (view.kind || 'text') },
      h('figcaption', null, view.source), r.el, extra || null),
    destroy: r.destroy,
  };
}
