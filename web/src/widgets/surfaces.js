// surfaces.js: the one module the labeling form imports for region fields.
// It registers the three surfaces (image, audio, text) with the registry and
// holds what they share: the label picker (buttons, field hotkeys and number
// keys), label colours (CSS classes, since the CSP forbids style attributes)
// and the error line. Helpers are plain function declarations, so the
// surfaces can import them back from here despite the import cycle.
import './surfaces.css';
import { h } from '../lib/dom.js';
import { registerSurface } from './registry.js';
import { imageSurface } from './image.js';
import { audioSurface } from './audio.js';
import { textSurface } from './spans.js';

registerSurface('image', imageSurface);
registerSurface('audio', audioSurface);
registerSurface('text', textSurface);

/** A label's colour class: lab-0..lab-9 (surfaces.css). */
export function colorClass(i) { return 'lab-' + (((i % 10) + 10) % 10); }

/** The key string of a keydown, as lib/keys.js writes it ('c', '1', 'Delete'). */
export function keyName(ev) {
  return ev.key.length === 1 ? ev.key.toLowerCase() : ev.key;
}

/** Label buttons for a surface's region fields. Number keys 1-9 pick the
 *  labels in order (all fields together) and a field's `hotkeys` pick its
 *  own; the picked label is where the next region goes, and onPick lets the
 *  surface relabel a selected region too. Number keys are handled only while
 *  focus is in the surface (handleKey), because the form gives 1-9 to choice
 *  fields everywhere else. */
export function labelPicker(fields, onPick, { readOnly = false, title = 'Label' } = {}) {
  const entries = [];
  for (const f of fields) {
    for (const label of f.labels || []) {
      entries.push({ field: f, label, color: colorClass(entries.length),
        hotkey: f.hotkeys && f.hotkeys[label] ? String(f.hotkeys[label]).toLowerCase() : null });
    }
  }
  entries.forEach((e, i) => { e.num = i < 9 ? String(i + 1) : null; });
  let active = entries[0] || null;
  const buttons = entries.map((e) => {
    const keys = [e.num, e.hotkey].filter(Boolean).join(' / ');
    const b = h('button', { type: 'button', class: 'surf-label ' + e.color, disabled: readOnly,
      'aria-pressed': 'false', title: keys ? `${e.field.name}: ${e.label} (key ${keys})` : e.label,
      'aria-label': `${fields.length > 1 ? e.field.name + ': ' : ''}${e.label}${keys ? ' (key ' + keys + ')' : ''}`,
      onclick: () => pick(e) },
    h('span', { class: 'swatch', 'aria-hidden': 'true' }), e.label,
    keys ? h('kbd', { 'aria-hidden': 'true' }, keys) : null);
    e.button = b;
    return b;
  });
  const groups = fields.filter((f) => (f.labels || []).length).map((f) =>
    h('div', { class: 'surf-label-group', role: 'group', 'aria-label': `${title}s for ${f.name}` },
      fields.length > 1 ? h('span', { class: 'surf-field-name' }, f.name) : null,
      entries.filter((e) => e.field === f).map((e) => e.button)));
  const el = h('div', { class: 'surf-labels' }, groups);
  function show() { for (const e of entries) e.button.setAttribute('aria-pressed', String(e === active)); }
  function pick(e) { active = e; show(); onPick(e.field, e.label); }
  show();
  const find = (k) => entries.find((e) => e.hotkey === k) || entries.find((e) => e.num === k);
  return {
    el, entries,
    active: () => active,
    /** Make (field, label) the active one without calling onPick. */
    setActive(field, label) {
      const e = entries.find((x) => x.field.name === field && (label === undefined || x.label === label))
        || entries.find((x) => x.field.name === field);
      if (e) { active = e; show(); }
    },
    colorOf(field, label) {
      const e = entries.find((x) => x.field.name === field && x.label === label);
      return e ? e.color : 'lab-x';
    },
    handleKey(ev) {
      if (readOnly || ev.ctrlKey || ev.metaKey || ev.altKey) return false;
      const e = find(keyName(ev));
      if (!e) return false;
      pick(e);
      return true;
    },
    /** The field hotkeys, for the form's shortcuts and its `?` list. The
     *  number keys are left out: outside the surface they belong to the
     *  form's choice fields; inside it handleKey takes them first. */
    keys() {
      const own = entries.filter((e) => e.hotkey && !/^[0-9]$/.test(e.hotkey))
        .map((e) => ({ key: e.hotkey, label: `${e.field.name}: ${e.label}`, run: () => pick(e) }));
      // listed for `?` only: handleKey does the work while focus is inside
      if (entries.length) own.unshift(helpOnly(`1…${Math.min(9, entries.length)}`, `${title} by number (while the surface has focus)`));
      return own;
    },
  };
}

/** A line for the `?` list of a key the surface handles itself (it never
 *  matches in lib/keys.js: `when` is false). */
export function helpOnly(key, label) { return { key, label, run() {}, when: () => false }; }

/** The error line under a surface; show([]) clears it. */
export function errorLine() {
  const el = h('p', { class: 'surf-errors', role: 'alert', 'aria-live': 'polite' });
  return { el, show(list) { el.textContent = list.join(' '); el.hidden = !list.length; } };
}

/** Before a surface rebuilds one of its lists, which drops the focused row:
 *  remembers the focused control's data-key; the function returned, called
 *  after the rebuild, focuses the new control with that key (or fallback). */
export function keepFocus(el, fallback) {
  const key = el.contains(document.activeElement) && document.activeElement.dataset.key;
  return () => {
    if (!key || el.contains(document.activeElement)) return;
    (el.querySelector(`[data-key="${CSS.escape(key)}"]`) || fallback).focus();
  };
}

/** A surface's result with a list per field: given[f.name] where it is one,
 *  else []. With a given value it is what a surface returns before its
 *  media has loaded; without, the empty lists it fills. */
export function fieldLists(fields, given = {}) {
  return Object.fromEntries(fields.map((f) => [f.name, Array.isArray(given[f.name]) ? given[f.name] : []]));
}

/** A finite number rounded to 3 decimals (percent or seconds). */
export function round3(x) { return Math.round(x * 1000) / 1000; }
