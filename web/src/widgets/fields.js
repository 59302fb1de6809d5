// widgets/fields.js: the field widgets that answer one field on their own
// with ordinary controls: choice, multichoice, text, number, rating, rubric
// (pairwise and ranking, which show data, are in widgets/compare.js).
// Each follows widgets/registry.js: f({field, readOnly, initial, onChange})
// → {el, get(), set(v), keys, digit?(n), focus()}. `digit(n)` is how the
// form's number keys reach the active field (1–9 pick options in order,
// Label Studio's convention); `keys` are the field's own hotkeys.
import { h } from '../lib/dom.js';
import { registerField } from './registry.js';

let seq = 0;
/** A page-unique id prefix for a widget's inputs (names are data: never ids). */
export const uid = (p = 'w') => `${p}${++seq}`;

/** A group of radio inputs, one per option, with its number key shown.
 *  → {el, get(), set(v), pick(i), focus()} */
export function radioGroup({ name, options, readOnly, onPick, horizontal, label, showKeys = true }) {
  const group = uid('r');
  let value;
  const inputs = options.map((o, i) => h('input', {
    type: 'radio', name: group, id: `${group}-${i}`, disabled: readOnly,
    onchange: () => { value = o.value; onPick(o.value); },
  }));
  const el = h('div', { role: 'radiogroup', 'aria-label': label || name, class: 'options' + (horizontal ? ' row' : '') },
    options.map((o, i) => h('label', { for: `${group}-${i}`, class: 'option' }, inputs[i],
      i < 9 && !readOnly && showKeys ? h('kbd', { 'aria-hidden': 'true' }, String(i + 1)) : null,
      h('span', null, o.label ?? String(o.value)))));
  const set = (v) => {
    value = v;
    options.forEach((o, i) => { inputs[i].checked = v !== undefined && v !== null && o.value === v; });
  };
  const pick = (i) => {
    if (readOnly || i < 0 || i >= options.length) return false;
    set(options[i].value); onPick(options[i].value);
    return true;
  };
  const focus = () => (inputs.find((x) => x.checked) || inputs[0])?.focus();
  return { el, get: () => value, set, pick, focus, inputs };
}

/** A field's own hotkeys ({VALUE: KEY}) as key bindings that run pick(VALUE). */
export function hotkeyBindings(field, pickValue, describe = (v) => v) {
  return Object.entries(field.hotkeys || {}).map(([v, key]) => ({
    key, label: `${field.name}: ${describe(v)}`, run: () => pickValue(v),
  }));
}

// ---- choice --------------------------------------------------------------

registerField('choice', ({ field, readOnly, initial, onChange }) => {
  const options = (field.options || []).map((o) => ({ value: o }));
  const g = radioGroup({ name: field.name, options, readOnly, onPick: () => onChange?.() });
  if (initial !== undefined) g.set(initial);
  return {
    el: g.el, get: g.get, set: g.set, focus: g.focus,
    digit: (n) => g.pick(n - 1),
    digitLabel: options.slice(0, 9).map((o, i) => `${i + 1}: ${o.value}`).join(', '),
    keys: hotkeyBindings(field, (v) => { const i = field.options.indexOf(v); if (i >= 0) g.pick(i); }),
  };
});

// ---- multichoice ---------------------------------------------------------

registerField('multichoice', ({ field, readOnly, initial, onChange }) => {
  const group = uid('m');
  const options = field.options || [];
  const boxes = options.map((o, i) => h('input', {
    type: 'checkbox', id: `${group}-${i}`, disabled: readOnly, onchange: () => onChange?.(),
  }));
  const el = h('div', { role: 'group', 'aria-label': field.name, class: 'options' },
    options.map((o, i) => h('label', { for: `${group}-${i}`, class: 'option' }, boxes[i],
      i < 9 && !readOnly ? h('kbd', { 'aria-hidden': 'true' }, String(i + 1)) : null, h('span', null, o))));
  const set = (v) => { const s = new Set(Array.isArray(v) ? v : []); options.forEach((o, i) => { boxes[i].checked = s.has(o); }); };
  const toggle = (i) => {
    if (readOnly || i < 0 || i >= options.length) return false;
    boxes[i].checked = !boxes[i].checked; onChange?.();
    return true;
  };
  if (initial !== undefined) set(initial);
  return {
    el, set,
    // Nothing ticked is an answer too ("none of these").
    get: () => options.filter((o, i) => boxes[i].checked),
    focus: () => boxes[0]?.focus(),
    digit: (n) => toggle(n - 1),
    keys: hotkeyBindings(field, (v) => toggle(options.indexOf(v))),
  };
});

// ---- text ----------------------------------------------------------------

const codePoints = (s) => [...s].length;

registerField('text', ({ field, readOnly, initial, onChange }) => {
  const id = uid('t');
  const counter = h('span', { class: 'counter', 'aria-live': 'off' });
  const ta = h('textarea', { id, rows: 3, 'aria-label': field.name, readonly: readOnly || null,
    oninput: () => { count(); onChange?.(); } });
  function count() {
    if (!field.max_length) return;
    const n = codePoints(ta.value);
    counter.textContent = `${n} / ${field.max_length}`;
    counter.classList.toggle('over', n > field.max_length);
  }
  const set = (v) => { ta.value = typeof v === 'string' ? v : ''; count(); };
  set(initial);
  return {
    el: h('div', { class: 'text-field' }, ta, field.max_length ? counter : null),
    get: () => (ta.value === '' ? undefined : ta.value),
    set, focus: () => ta.focus(),
    check: (v) => (field.max_length && typeof v === 'string' && codePoints(v) > field.max_length
      ? `At most ${field.max_length} characters.` : null),
    keys: [],
  };
});

// ---- number --------------------------------------------------------------

registerField('number', ({ field, readOnly, initial, onChange }) => {
  const input = h('input', { type: 'number', step: 'any', 'aria-label': field.name, readonly: readOnly || null,
    min: field.min ?? null, max: field.max ?? null, oninput: () => onChange?.() });
  const set = (v) => { input.value = typeof v === 'number' ? String(v) : ''; };
  set(initial);
  return {
    el: input, set, focus: () => input.focus(), keys: [],
    get: () => (input.value === '' || !Number.isFinite(input.valueAsNumber) ? undefined : input.valueAsNumber),
    check: (v) => {
      if (input.value !== '' && v === undefined) return 'Enter a number.';
      if (typeof field.min === 'number' && v < field.min) return `At least ${field.min}.`;
      if (typeof field.max === 'number' && v > field.max) return `At most ${field.max}.`;
      return null;
    },
  };
});

// ---- rating and rubric ---------------------------------------------------

/** Integers min..max as radio options; the number keys pick a value: the
 *  digit itself when the scale fits in 0..9, else the n-th value. */
function scale(min, max) {
  const values = [];
  for (let v = min; v <= max && values.length < 101; v++) values.push(v);
  const direct = min >= 0 && max <= 9;
  return {
    options: values.map((v) => ({ value: v, label: String(v) })),
    indexOfDigit: (n) => (direct ? values.indexOf(n) : n - 1),
  };
}

registerField('rating', ({ field, readOnly, initial, onChange }) => {
  const s = scale(field.min ?? 1, field.max ?? 5);
  const g = radioGroup({ name: field.name, options: s.options, readOnly, horizontal: true, showKeys: false, onPick: () => onChange?.() });
  g.el.classList.add('scale');
  if (initial !== undefined) g.set(initial);
  return { el: g.el, get: g.get, set: g.set, focus: g.focus, digit: (n) => g.pick(s.indexOfDigit(n)), keys: [] };
});

registerField('rubric', ({ field, readOnly, initial, onChange }) => {
  const rows = (field.criteria || []).map((c) => {
    const s = scale(c.min, c.max);
    const g = radioGroup({ name: c.name, label: `${field.name}: ${c.name}`, options: s.options, readOnly, horizontal: true, showKeys: false,
      onPick: () => onChange?.() });
    g.el.classList.add('scale');
    return { c, s, g, el: h('div', { class: 'rubric-row' }, h('span', { class: 'criterion' }, c.name), g.el) };
  });
  const set = (v) => rows.forEach((r) => r.g.set(v && typeof v === 'object' ? v[r.c.name] : undefined));
  if (initial !== undefined) set(initial);
  // A digit rates the criterion that has the focus (or the first one not
  // rated yet), then moves on, so 5 5 5 fills a three-row rubric.
  const digit = (n) => {
    const focused = rows.findIndex((r) => r.el.contains(document.activeElement));
    const i = focused >= 0 ? focused : rows.findIndex((r) => r.g.get() === undefined);
    if (i < 0) return false;
    if (!rows[i].g.pick(rows[i].s.indexOfDigit(n))) return false;
    if (rows[i + 1]) rows[i + 1].g.focus(); else rows[i].g.focus();
    return true;
  };
  return {
    el: h('div', { class: 'rubric' }, rows.map((r) => r.el)),
    set, digit, focus: () => rows[0]?.g.focus(), keys: [],
    get: () => {
      if (rows.every((r) => r.g.get() === undefined)) return undefined;
      return Object.fromEntries(rows.map((r) => [r.c.name, r.g.get()]));
    },
    check: (v) => {
      const missing = rows.filter((r) => v && v[r.c.name] === undefined).map((r) => r.c.name);
      return missing.length ? `Rate every criterion (missing: ${missing.join(', ')}).` : null;
    },
  };
});
