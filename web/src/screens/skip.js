// screens/skip.js: the small dialog that asks why a task is skipped (the
// reason goes with POST /api/v1/leases/{id}/release). Keyboard: the number
// keys pick a reason, Enter or Ctrl+Enter skips, Escape cancels.
import { h } from '../lib/dom.js';
import { pushKeys } from '../lib/keys.js';

export const REASONS = ['Unclear or ambiguous', 'Data is broken or missing', 'Outside my expertise', 'Other'];

/** askSkipReason() → Promise of the reason string, or null if cancelled. */
export function askSkipReason() {
  return new Promise((resolve) => {
    const radios = REASONS.map((r, i) => h('input', { type: 'radio', name: 'skip-reason', id: `skip-r${i}`, value: r }));
    const note = h('textarea', { id: 'skip-note', rows: 2, maxlength: '400' });
    const err = h('p', { class: 'error', role: 'alert' });
    const chosen = () => radios.find((r) => r.checked)?.value;
    const submit = (ev) => {
      ev?.preventDefault();
      const r = chosen();
      const text = note.value.trim();
      if (!r) { err.textContent = 'Pick a reason (1–4).'; radios[0].focus(); return; }
      if (r === 'Other' && !text) { err.textContent = 'Say why in a few words.'; note.focus(); return; }
      close((text ? `${r}: ${text}` : r).slice(0, 500));
    };
    const box = h('form', { class: 'modal-box skip-dialog', onsubmit: submit },
      h('h2', { id: 'skip-title' }, 'Skip this task'),
      h('fieldset', null, h('legend', null, 'Why?'),
        REASONS.map((r, i) => h('label', { for: `skip-r${i}`, class: 'option' }, radios[i],
          h('kbd', { 'aria-hidden': 'true' }, String(i + 1)), h('span', null, r)))),
      h('label', { for: 'skip-note' }, 'Details (optional)'), note, err,
      h('div', { class: 'actions' },
        h('button', { type: 'submit', class: 'primary' }, 'Skip task'),
        h('button', { type: 'button', onclick: () => close(null) }, 'Cancel')));
    const modal = h('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'skip-title' }, box);
    const back = document.activeElement;
    const inNote = () => document.activeElement === note;
    const removeKeys = pushKeys('skip dialog', [
      ...REASONS.map((r, i) => ({ key: String(i + 1), label: `Reason: ${r}`, allowInInput: true, when: () => !inNote(),
        run: () => { radios[i].checked = true; radios[i].focus(); err.textContent = ''; } })),
      { key: 'Enter', label: 'Skip with this reason', allowInInput: true, when: () => !inNote(), run: () => submit() },
      { key: 'Ctrl+Enter', label: 'Skip with this reason', run: () => submit() },
      { key: 'Escape', label: 'Cancel', allowInInput: true, run: () => close(null) },
    ]);
    function close(v) {
      removeKeys();
      modal.remove();
      back?.focus?.();
      resolve(v);
    }
    document.body.append(modal);
    radios[0].focus();
  });
}
