// widgets/compare.js: the field widgets that compare data sources and so
// show them themselves: pairwise (two sources side by side, A / B / Tie)
// and ranking (the sources as a list ordered by drag, with sortablejs, or
// by keyboard: Alt+ArrowUp/Down moves the focused item). The form does not
// show these sources again.
import Sortable from 'sortablejs';
import { h } from '../lib/dom.js';
import { viewBlock } from '../views.js';
import { registerField } from './registry.js';

/** The view a source is shown with: the schema's, else text. */
const viewOf = (schema, source) =>
  (schema?.views || []).find((v) => v.source === source) || { source, kind: 'text' };

// ---- pairwise ------------------------------------------------------------

const PAIR = [{ value: 'a', label: 'A' }, { value: 'b', label: 'B' }, { value: 'tie', label: 'Tie' }];

registerField('pairwise', ({ field, schema, data, readOnly, initial, onChange }) => {
  const [sa, sb] = field.sources || [];
  const views = [sa, sb].map((s) => viewBlock(viewOf(schema, s), data?.[s]));
  let value;
  const hot = field.hotkeys || {};
  // a / b / t always, and the field's own keys for them (the demo's 1 2 3).
  const keysOf = (v) => [...new Set([v === 'tie' ? 't' : v, hot[v]].filter(Boolean))];
  const buttons = PAIR.map((p) => h('button', {
    type: 'button', class: 'choice-btn', 'aria-pressed': 'false', disabled: readOnly,
    'aria-label': `${field.name}: ${p.value === 'tie' ? 'tie' : p.label + ' is better'}`,
    onclick: () => { set(p.value); onChange?.(); },
  }, p.label === 'Tie' ? 'Tie' : `${p.label} is better`, keysOf(p.value).map((k) => h('kbd', { 'aria-hidden': 'true' }, k))));
  function set(v) {
    value = PAIR.some((p) => p.value === v) ? v : undefined;
    PAIR.forEach((p, i) => {
      buttons[i].setAttribute('aria-pressed', String(p.value === value));
      buttons[i].classList.toggle('on', p.value === value);
    });
    views.forEach((vw, i) => vw.el.classList.toggle('chosen', (i === 0 && value === 'a') || (i === 1 && value === 'b')));
  }
  const pick = (v) => { if (!readOnly) { set(v); onChange?.(); } };
  set(initial);
  views[0].el.querySelector('figcaption').prepend('A · ');
  views[1].el.querySelector('figcaption').prepend('B · ');
  const keys = readOnly ? [] : PAIR.flatMap((p) => keysOf(p.value).map((key) =>
    ({ key, label: `${field.name}: ${p.label === 'Tie' ? 'tie' : p.label + ' is better'}`, run: () => pick(p.value) })));
  return {
    el: h('div', { class: 'pairwise' },
      h('div', { class: 'pair' }, views.map((v) => v.el)),
      h('div', { class: 'pair-buttons', role: 'group', 'aria-label': field.name }, buttons)),
    get: () => value, set, keys, wide: true,
    focus: () => buttons[0].focus(),
    destroy: () => views.forEach((v) => v.destroy()),
  };
});

// ---- ranking -------------------------------------------------------------

registerField('ranking', ({ field, schema, data, readOnly, initial, onChange }) => {
  const sources = field.sources || [];
  const items = new Map();
  const list = h('ol', { class: 'ranking', 'aria-label': `${field.name}: best first` });
  const status = h('p', { class: 'sr-only', 'aria-live': 'polite' });
  let touched = false;
  const destroyers = [];
  for (const s of sources) {
    const vb = viewBlock(viewOf(schema, s), data?.[s]);
    destroyers.push(vb.destroy);
    const li = h('li', { class: 'rank-item', tabindex: readOnly ? null : '0', dataset: { source: s },
      'aria-label': s },
    h('span', { class: 'handle', 'aria-hidden': 'true' }, '⠿'),
    h('span', { class: 'rank-no', 'aria-hidden': 'true' }), vb.el);
    items.set(s, li);
    list.append(li);
  }
  const order = () => [...list.children].map((li) => li.dataset.source);
  const renumber = () => [...list.children].forEach((li, i) => {
    li.querySelector('.rank-no').textContent = String(i + 1);
    li.setAttribute('aria-label', `${li.dataset.source}: rank ${i + 1} of ${sources.length}`);
  });
  const changed = () => { touched = true; confirm.hidden = true; renumber(); onChange?.(); };
  function set(v) {
    const ok = Array.isArray(v) && v.length === sources.length && sources.every((s) => v.includes(s));
    touched = ok;
    for (const s of ok ? v : sources) list.append(items.get(s));
    confirm.hidden = touched || readOnly;
    renumber();
  }
  function move(li, by) {
    const kids = [...list.children];
    const i = kids.indexOf(li);
    const j = i + by;
    if (i < 0 || j < 0 || j >= kids.length) return;
    if (by < 0) list.insertBefore(li, kids[j]); else list.insertBefore(li, kids[j].nextSibling);
    li.focus();
    changed();
    status.textContent = `${li.dataset.source} moved to rank ${j + 1}`;
  }
  // The order as it stands is an answer only once the labeler says so:
  // an untouched list would otherwise always pass as "ranked".
  const confirm = h('button', { type: 'button', class: 'confirm-order', onclick: () => { changed(); } }, 'Keep this order');
  const sortable = readOnly ? null : Sortable.create(list, {
    // Pointer events rather than HTML5 drag and drop: the same on touch.
    animation: 120, forceFallback: true, ghostClass: 'rank-ghost', onEnd: (ev) => { if (ev.oldIndex !== ev.newIndex) changed(); },
  });
  set(initial);
  const focusedItem = () => (list.contains(document.activeElement) && document.activeElement.classList.contains('rank-item')
    ? document.activeElement : null);
  const keys = readOnly ? [] : [
    { key: 'Alt+ArrowUp', label: `${field.name}: move the focused item up`, when: () => !!focusedItem(), run: () => move(focusedItem(), -1) },
    { key: 'Alt+ArrowDown', label: `${field.name}: move the focused item down`, when: () => !!focusedItem(), run: () => move(focusedItem(), 1) },
  ];
  return {
    el: h('div', { class: 'ranking-field' },
      readOnly ? null : h('p', { class: 'hint' }, 'Drag to order, best first; or focus an item (Tab) and press Alt+↑ / Alt+↓.'),
      list, confirm, status),
    get: () => (touched ? order() : undefined),
    set, keys, wide: true,
    focus: () => list.firstElementChild?.focus(),
    destroy: () => { sortable?.destroy(); destroyers.forEach((d) => d()); },
  };
});
