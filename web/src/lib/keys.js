// keys.js: keyboard-first. Screens register their shortcuts here while they
// are shown; `?` lists every shortcut of the current screen (with what it
// does), and one keydown listener dispatches them. Keys typed into a text
// input reach the input, except combinations with Ctrl/Meta.

import { h } from './dom.js';

const layers = []; // [{name, bindings: [{key, label, run, allowInInput}]}]

/** A key string: 'Ctrl+Enter', '1', 'a', 'Escape', 'ArrowRight', '?'. */
function keyOf(ev) {
  const parts = [];
  if (ev.ctrlKey || ev.metaKey) parts.push('Ctrl');
  if (ev.altKey) parts.push('Alt');
  if (ev.shiftKey && ev.key.length > 1) parts.push('Shift');
  parts.push(ev.key.length === 1 ? ev.key.toLowerCase() : ev.key);
  return parts.join('+');
}

const isTyping = (t) => t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) ||
  (t.closest && t.closest('.cm-editor')));

/** pushKeys('labeling', [{key: 'Ctrl+Enter', label: 'Submit', run: fn}]) →
 *  a function that removes the layer. Later layers win. */
export function pushKeys(name, bindings) {
  const layer = { name, bindings };
  layers.push(layer);
  return () => { const i = layers.indexOf(layer); if (i >= 0) layers.splice(i, 1); };
}

export function allBindings() {
  return layers.flatMap((l) => l.bindings.map((b) => ({ ...b, group: l.name })));
}

addEventListener('keydown', (ev) => {
  if (ev.defaultPrevented) return;
  const k = keyOf(ev);
  const typing = isTyping(ev.target);
  if (k === '?' && !typing) { ev.preventDefault(); toggleHelp(); return; }
  if (k === 'Escape' && closeHelp()) { ev.preventDefault(); return; }
  for (let i = layers.length - 1; i >= 0; i--) {
    for (const b of layers[i].bindings) {
      if (b.key.toLowerCase() !== k.toLowerCase()) continue;
      if (typing && !b.allowInInput && !k.startsWith('Ctrl+')) continue;
      if (b.when && !b.when()) continue;
      ev.preventDefault();
      b.run(ev);
      return;
    }
  }
});

let help = null;
function closeHelp() {
  if (!help) return false;
  help.remove(); help = null;
  return true;
}
function toggleHelp() {
  if (closeHelp()) return;
  const rows = [{ key: '?', label: 'Show or hide this list', group: 'page' }, ...allBindings()];
  help = h('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': 'Keyboard shortcuts' },
    h('div', { class: 'modal-box' },
      h('h2', null, 'Keyboard shortcuts'),
      h('table', { class: 'keys' }, h('tbody', null,
        rows.map((b) => h('tr', null, h('td', null, h('kbd', null, b.key)), h('td', null, b.label))))),
      h('button', { type: 'button', onclick: closeHelp }, 'Close')));
  document.body.append(help);
  help.querySelector('button').focus();
}
