// spans.js: the 'text' surface (text, markdown and code views). The raw
// string is shown in a read-only CodeMirror 6 editor (markdown too: span
// offsets count code points of the raw string, so it is labelled unrendered;
// code gets line numbers and syntax highlighting). Select with the mouse or
// Shift+arrows, then press a label key or click a label: a span. Spans are
// marks coloured by label; click one (or its row in the list) to select it,
// Delete removes it, `r` starts a relation to the next span picked.
// Offsets: CodeMirror counts UTF-16 units, results count code points, so
// every crossing goes through the two tables built by codePoints().
import { EditorState, StateEffect, StateField, RangeSetBuilder } from '@codemirror/state';
import { Decoration, EditorView, lineNumbers } from '@codemirror/view';
import { syntaxHighlighting, defaultHighlightStyle } from '@codemirror/language';
import { python } from '@codemirror/lang-python';
import { javascript } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';
import { sql } from '@codemirror/lang-sql';
import { rust } from '@codemirror/lang-rust';
import { go } from '@codemirror/lang-go';
import { java } from '@codemirror/lang-java';
import { cpp } from '@codemirror/lang-cpp';
import { StyleModule } from 'style-mod';
import { h, mount } from '../lib/dom.js';
import { labelPicker, errorLine, keyName, helpOnly, keepFocus } from './surfaces.js';

const LANGS = {
  python: python, py: python, javascript: javascript, js: javascript,
  typescript: () => javascript({ typescript: true }), ts: () => javascript({ typescript: true }),
  jsx: () => javascript({ jsx: true }), tsx: () => javascript({ jsx: true, typescript: true }),
  json: json, sql: sql, rust: rust, go: go, java: java, c: cpp, cpp: cpp, 'c++': cpp,
};

// CodeMirror's styles go through style-mod, which writes a <style> element
// into a document (the CSP refuses it) and uses a constructed, adopted
// stylesheet (CSSOM: allowed) only for roots without a <head>. Its choice is
// made once per root, so let it see the document headless once, at load,
// before any editor exists: every CodeMirror on the page then styles itself
// through document.adoptedStyleSheets.
(function adoptCodeMirrorStyles() {
  if (typeof document === 'undefined' || !document.adoptedStyleSheets) return;
  Object.defineProperty(document, 'head', { value: null, configurable: true });
  try { StyleModule.mount(document, new StyleModule({})); } finally { delete document.head; }
})();

/** UTF-16 offset <-> code point offset tables for s. */
export function codePoints(s) {
  const toCp = new Int32Array(s.length + 1);
  const toU16 = [];
  let cp = 0;
  for (let i = 0; i < s.length; cp++) {
    toU16.push(i);
    const c = s.codePointAt(i);
    const n = c > 0xffff ? 2 : 1;
    toCp[i] = cp;
    if (n === 2) toCp[i + 1] = cp + 1; // inside a pair: round up to the next code point
    i += n;
  }
  toU16.push(s.length);
  toCp[s.length] = cp;
  return { length: cp, toCp: (u) => toCp[u], toU16: (c) => toU16[c] };
}

const setMarks = StateEffect.define();
const marksField = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    for (const e of tr.effects) if (e.is(setMarks)) return e.value;
    return deco.map(tr.changes);
  },
  provide: (f) => EditorView.decorations.from(f),
});

export function textSurface({ view, value, fields, readOnly, initial, onChange }) {
  const text = typeof value === 'string' ? value : value == null ? '' : JSON.stringify(value, null, 2);
  const cps = codePoints(text);
  const spanFields = fields.filter((f) => f.type === 'spans');
  const relFields = fields.filter((f) => f.type === 'relations');
  const state = {};
  const errs = errorLine();
  let sel = null;       // selected span: {field, i}
  let relating = null;  // {field: spans field name, from: i, to?: i}

  // --- the text ---
  const isCode = view && view.kind === 'code';
  const lang = isCode && LANGS[String(view.language || '').toLowerCase()];
  const host = h('div', { class: 'sp-editor' + (isCode ? ' sp-code' : ' sp-prose') });
  const editor = new EditorView({
    parent: host,
    state: EditorState.create({
      doc: text,
      extensions: [
        EditorState.readOnly.of(true),
        EditorState.lineSeparator.of('\n'), // keep \r as text: offsets stay the raw string's
        marksField,
        isCode ? [lineNumbers(), syntaxHighlighting(defaultHighlightStyle)] : EditorView.lineWrapping,
        lang ? lang() : [],
        EditorView.contentAttributes.of({ 'aria-label': `${view ? view.source : 'text'}: select text, then a label`,
          'aria-readonly': 'true' }),
        EditorView.domEventHandlers({ beforeinput: (ev) => { ev.preventDefault(); return true; }, drop: (ev) => { ev.preventDefault(); return true; },
          mouseup: (ev, v) => { setTimeout(() => clickPick(v), 0); return false; } }),
      ],
    }),
  });

  // --- toolbar: labels, relation labels, actions ---
  const picker = labelPicker(spanFields, (field, label) => applyLabel(field.name, label), { readOnly, title: 'Span label' });
  const relBar = h('div', { class: 'sp-relbar', hidden: true, role: 'group', 'aria-label': 'Relation label' });
  const relHint = h('span', { class: 'sp-hint', 'aria-live': 'polite' });
  const relateBtn = h('button', { type: 'button', disabled: true, hidden: readOnly || !relFields.length,
    onclick: () => startRelation() }, 'Relate ', h('kbd', null, 'r'));
  const delBtn = h('button', { type: 'button', disabled: true, hidden: readOnly, 'aria-label': 'Delete the selected span',
    onclick: () => deleteSelected() }, 'Delete ', h('kbd', null, 'Del'));
  const spanList = h('ul', { class: 'surf-list', 'aria-label': 'Spans' });
  const relList = h('ul', { class: 'surf-list', 'aria-label': 'Relations' });
  const el = h('div', { class: 'srf sp-surface' + (readOnly ? ' readonly' : ''), dataset: { source: view ? view.source : '' } },
    readOnly ? null : h('div', { class: 'surf-toolbar' }, picker.el, h('div', { class: 'surf-actions' }, relateBtn, delBtn)),
    relBar, relHint, host, errs.el,
    h('div', { class: 'sp-lists' },
      h('section', null, h('h3', null, 'Spans'), spanList),
      relFields.length ? h('section', null, h('h3', null, 'Relations'), relList) : null));

  const fieldOf = (name) => spanFields.find((f) => f.name === name);
  const excerpt = (s) => { const t = text.slice(cps.toU16(s.start), cps.toU16(s.end)); return t.length > 40 ? t.slice(0, 39) + '…' : t; };
  const allSpans = () => spanFields.flatMap((f) => state[f.name].map((s, i) => ({ f, s, i })));

  function validSpan(f, s, list, skip = -1) {
    if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || s.start < 0 || s.end > cps.length || s.start >= s.end)
      return 'a span must cover text';
    if (!(f.labels || []).includes(s.label)) return `"${s.label}" is not a label of ${f.name}`;
    if (!f.allow_overlap && list.some((o, j) => j !== skip && o.start < s.end && s.start < o.end))
      return `${f.name} spans may not overlap`;
    return null;
  }

  function render() {
    const spans = allSpans();
    const b = new RangeSetBuilder();
    const marks = spans.map(({ f, s, i }) => ({ from: cps.toU16(s.start), to: cps.toU16(s.end),
      deco: Decoration.mark({ class: `sp-mark ${picker.colorOf(f.name, s.label)}` +
        (sel && sel.field === f.name && sel.i === i ? ' sp-sel' : '') +
        (relating && relating.field === f.name && relating.from === i ? ' sp-from' : ''),
      attributes: { 'data-label': s.label, 'data-span': `${f.name}:${i}` } }) }))
      .sort((a, c) => a.from - c.from || a.to - c.to);
    for (const m of marks) b.add(m.from, m.to, m.deco);
    editor.dispatch({ effects: setMarks.of(b.finish()) });

    // rebuilding the lists drops the focused row: find it again afterwards
    const refocus = keepFocus(el, editor);
    mount(spanList, spans.map(({ f, s, i }) => {
      const selected = sel && sel.field === f.name && sel.i === i;
      return h('li', { class: selected ? 'selected' : null },
        h('button', { type: 'button', class: 'surf-item', 'aria-pressed': String(!!selected), dataset: { key: `span:${f.name}:${i}` },
          'aria-label': `${s.label}: ${excerpt(s)} (${s.start}–${s.end})`, onclick: () => pickSpan(f.name, i) },
        h('span', { class: 'chip ' + picker.colorOf(f.name, s.label) }, s.label), ' ',
        h('span', { class: 'excerpt' }, excerpt(s)), h('span', { class: 'muted' }, ` ${s.start}–${s.end}`)),
        readOnly ? null : h('button', { type: 'button', class: 'icon', dataset: { key: 'del' }, 'aria-label': `Delete span ${s.label} ${excerpt(s)}`,
          onclick: () => { sel = { field: f.name, i }; deleteSelected(); } }, '×'));
    }));
    if (!spans.length) spanList.append(h('li', { class: 'muted' }, readOnly ? 'No spans.' : 'No spans yet: select text, then press a label key.'));
    mount(relList, relFields.flatMap((rf) => state[rf.name].map((r, k) => {
      const sp = state[rf.field];
      const name = (i) => sp[i] ? `${sp[i].label} “${excerpt(sp[i])}”` : `#${i}`;
      return h('li', null, h('span', null, name(r.from), ' ', h('span', { class: 'chip rel' }, r.label), ' → ', name(r.to)),
        readOnly ? null : h('button', { type: 'button', class: 'icon', dataset: { key: 'del' }, 'aria-label': `Delete relation ${r.label} from ${name(r.from)} to ${name(r.to)}`,
          onclick: () => { state[rf.name].splice(k, 1); render(); onChange && onChange(); } }, '×'));
    })));
    if (relFields.length && !relFields.some((rf) => state[rf.name].length)) relList.append(h('li', { class: 'muted' }, 'No relations.'));
    refocus();
    relateBtn.disabled = !sel || !relFields.some((rf) => rf.field === sel.field);
    delBtn.disabled = !sel;
    relHint.textContent = relating ? (relating.to === undefined ? 'Relation: pick the other span (click it or its row); Escape cancels.'
      : 'Relation: pick its label.') : '';
  }

  function selection() {
    const r = editor.state.selection.main;
    if (r.empty) return null;
    return { start: cps.toCp(r.from), end: cps.toCp(r.to) };
  }

  function applyLabel(fieldName, label) {
    if (readOnly) return;
    const f = fieldOf(fieldName);
    const range = selection();
    if (range) {
      // trim whitespace at the ends: a drag usually takes a space too
      let { start, end } = range;
      const chars = Array.from(text);
      while (start < end && /\s/.test(chars[start])) start++;
      while (end > start && /\s/.test(chars[end - 1])) end--;
      const s = { start, end, label };
      const err = validSpan(f, s, state[f.name]);
      if (err) { errs.show([err]); return; }
      state[f.name].push(s);
      sel = { field: f.name, i: state[f.name].length - 1 };
      editor.dispatch({ selection: { anchor: editor.state.selection.main.to } });
    } else if (sel && sel.field === f.name) {
      const s = { ...state[f.name][sel.i], label };
      const err = validSpan(f, s, state[f.name], sel.i);
      if (err) { errs.show([err]); return; }
      state[f.name][sel.i] = s;
    } else {
      return; // just the active label for the next span
    }
    errs.show([]);
    render();
    onChange && onChange();
  }

  function clickPick(v) {
    if (!v.state.selection.main.empty) return;
    const pos = v.state.selection.main.head;
    const hit = allSpans().filter(({ s }) => cps.toU16(s.start) <= pos && pos < cps.toU16(s.end))
      .sort((a, b) => (a.s.end - a.s.start) - (b.s.end - b.s.start))[0];
    if (hit) pickSpan(hit.f.name, hit.i);
  }

  function pickSpan(field, i) {
    if (relating && relating.to === undefined && !readOnly) {
      if (field !== relating.field || i === relating.from) { errs.show(['Pick a different span of the same field.']); return; }
      relating.to = i;
      const rfs = relFields.filter((rf) => rf.field === field);
      const labels = rfs.flatMap((rf) => rf.labels.map((l) => ({ rf, l })));
      if (labels.length === 1) { addRelation(labels[0].rf, labels[0].l); return; }
      mount(relBar, h('span', { class: 'surf-field-name' }, 'Relation'), labels.map(({ rf, l }, k) =>
        h('button', { type: 'button', class: 'surf-label', dataset: { rel: l },
          'aria-label': `Relation ${l}${k < 9 ? ' (key ' + (k + 1) + ')' : ''}`, onclick: () => addRelation(rf, l) },
        l, k < 9 ? h('kbd', { 'aria-hidden': 'true' }, String(k + 1)) : null)),
      h('button', { type: 'button', onclick: cancelRelation }, 'Cancel'));
      relBar.hidden = false;
      relBar.querySelector('button').focus();
      render();
      return;
    }
    sel = sel && sel.field === field && sel.i === i ? null : { field, i };
    if (sel) picker.setActive(field, state[field][i].label);
    errs.show([]);
    render();
  }

  function startRelation() {
    if (readOnly || !sel || !relFields.some((rf) => rf.field === sel.field)) return;
    relating = { field: sel.field, from: sel.i };
    render();
  }
  function cancelRelation() { relating = null; relBar.hidden = true; mount(relBar); render(); }
  function addRelation(rf, label) {
    const r = { from: relating.from, to: relating.to, label };
    if (!state[rf.name].some((x) => x.from === r.from && x.to === r.to && x.label === r.label)) state[rf.name].push(r);
    relating = null; relBar.hidden = true; mount(relBar);
    errs.show([]);
    render();
    onChange && onChange();
  }

  function deleteSelected() {
    if (readOnly || !sel) return;
    const { field, i } = sel;
    state[field].splice(i, 1);
    // relations index the spans array: drop those on the span, shift the rest
    for (const rf of relFields.filter((x) => x.field === field)) {
      state[rf.name] = state[rf.name].filter((r) => r.from !== i && r.to !== i)
        .map((r) => ({ ...r, from: r.from > i ? r.from - 1 : r.from, to: r.to > i ? r.to - 1 : r.to }));
    }
    sel = null; relating = null;
    render();
    onChange && onChange();
  }

  function onKey(ev) {
    handleKey(ev);
    // The editor is contenteditable (for the caret and Shift+arrows); a key
    // typed into it is refused by CodeMirror's readOnly only after Chrome has
    // edited the DOM, with style attributes the CSP reports. Stop it first.
    if (!ev.defaultPrevented && editor.contentDOM.contains(ev.target) && !ev.ctrlKey && !ev.metaKey &&
        (ev.key.length === 1 || ev.key === 'Enter' || ev.key === 'Delete' || ev.key === 'Backspace')) ev.preventDefault();
  }
  function handleKey(ev) {
    if (readOnly || ev.defaultPrevented) return;
    if (ev.target.tagName === 'INPUT' || ev.target.tagName === 'TEXTAREA') return;
    const k = keyName(ev);
    if (relating && relating.to !== undefined && /^[1-9]$/.test(k)) {
      const b = relBar.querySelectorAll('button[data-rel]')[Number(k) - 1];
      if (b) { ev.preventDefault(); b.click(); }
      return;
    }
    if (k === 'Escape' && (relating || sel)) { ev.preventDefault(); relating ? cancelRelation() : (sel = null, render()); return; }
    if ((k === 'Delete' || k === 'Backspace') && sel) { ev.preventDefault(); deleteSelected(); return; }
    if (k === 'r' && sel && !ev.ctrlKey && !ev.metaKey) { ev.preventDefault(); startRelation(); return; }
    if (picker.handleKey(ev)) ev.preventDefault();
  }
  el.addEventListener('keydown', onKey, true);

  function set(obj) {
    const bad = [];
    for (const f of spanFields) {
      state[f.name] = [];
      for (const s of (obj && Array.isArray(obj[f.name]) ? obj[f.name] : [])) {
        const item = { start: s.start, end: s.end, label: s.label };
        if (typeof s.id === 'string') item.id = s.id;
        const err = validSpan(f, item, state[f.name]);
        if (err) bad.push(`${f.name}: dropped a span (${err}).`); else state[f.name].push(item);
      }
    }
    for (const rf of relFields) {
      const n = (state[rf.field] || []).length;
      state[rf.name] = (obj && Array.isArray(obj[rf.name]) ? obj[rf.name] : []).filter((r) => {
        const ok = Number.isInteger(r.from) && Number.isInteger(r.to) && r.from !== r.to && r.from >= 0 && r.to >= 0 &&
          r.from < n && r.to < n && (rf.labels || []).includes(r.label);
        if (!ok) bad.push(`${rf.name}: dropped a relation.`);
        return ok;
      }).map((r) => ({ from: r.from, to: r.to, label: r.label }));
    }
    sel = null; relating = null;
    errs.show(bad);
    render();
  }
  set(initial || {});

  const inside = () => el.contains(document.activeElement);
  return {
    el,
    get() {
      const out = {};
      for (const f of spanFields) out[f.name] = state[f.name].map((s) => ({ ...s }));
      for (const rf of relFields) out[rf.name] = state[rf.name].map((r) => ({ ...r }));
      return out;
    },
    set,
    keys: readOnly ? [] : [
      ...picker.keys(),
      { key: 'r', label: 'Relate the selected span to another', run: startRelation, when: () => inside() && !!sel },
      { key: 'Delete', label: 'Delete the selected span', run: deleteSelected, when: () => inside() && !!sel },
      helpOnly('Shift+arrows', 'Select text from the keyboard (in the text)'),
      helpOnly('Escape', 'Cancel the relation or the selection (text)'),
    ],
    focus() { editor.focus(); },
    destroy() { el.removeEventListener('keydown', onKey, true); editor.destroy(); },
  };
}
