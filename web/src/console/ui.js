// ui.js: the small pieces every console screen shares (labelled inputs,
// a status line, dates, errors). Kept here so each screen file holds only
// its own decisions; every value is put in as text through h().
import { h } from '../lib/dom.js';
import { api, currentUser } from '../lib/api.js';

let seq = 0;
/** A unique id for pairing <label for> with its control. */
export const uid = (p = 'c') => `${p}-${++seq}`;

/** A labelled control: field('Name', h('input', ...)) → a .field block. The
 *  control gets an id so its label names it for screen readers and tests. */
export function field(label, control, hint, cls) {
  if (!control.id) control.id = uid('f');
  return h('div', { class: cls ? 'c-field ' + cls : 'c-field' },
    h('label', { for: control.id }, label), control,
    hint && h('small', { class: 'c-hint' }, hint));
}

/** A checkbox with its label after it (the usual reading order). */
export function check(label, input) {
  if (!input.id) input.id = uid('f');
  return h('div', { class: 'c-field c-check' }, input, h('label', { for: input.id }, label));
}

/** A status line: set(text, 'error'|'ok'|'') announces politely. */
export function status() {
  const el = h('p', { class: 'c-status', role: 'status', 'aria-live': 'polite' });
  el.set = (text, kind = '') => { el.textContent = text || ''; el.className = 'c-status ' + kind; };
  return el;
}

/** An API error as a sentence a manager can act on. */
export function errText(e) {
  if (!e) return '';
  if (e.status === 403) return 'Your role does not allow this.';
  if (e.status === 404) return 'Not found (it may have been deleted, or it is not yours to see).';
  return e.message || String(e);
}

/** The create/add form above a console list: h('form') with `children`,
 *  whose submit runs `run()` with `button` disabled meanwhile; what run
 *  throws is shown in `msg` as error(e) (errText unless given). */
export function actionForm({ label, button, msg, run, error = errText }, ...children) {
  return h('form', { class: 'c-row c-form', 'aria-label': label, onsubmit: async (ev) => {
    ev.preventDefault();
    button.disabled = true;
    try { await run(); } catch (e) { msg.set(error(e), 'error'); } finally { button.disabled = false; }
  } }, children);
}

/** A project settings form's submit: PATCH /projects/{id} with `changes()`
 *  (only what changed: "Nothing changed." when empty), `save` disabled
 *  meanwhile, the answer given to `saved(project)`, "Saved." or the error
 *  in `msg`. */
export function patchProject(pid, { changes, save, msg, saved }) {
  return async (ev) => {
    ev.preventDefault();
    const diff = changes();
    if (!Object.keys(diff).length) { msg.set('Nothing changed.'); return; }
    save.disabled = true;
    try {
      saved(await api('PATCH', `/api/v1/projects/${pid}`, diff));
      msg.set('Saved.', 'ok');
    } catch (e) { msg.set(errText(e), 'error'); } finally { save.disabled = false; }
  };
}

export const fmtTime = (iso) => {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? String(iso) : d.toLocaleString();
};

export const isAdmin = (u = currentUser()) => !!u && (u.role === 'owner' || u.role === 'admin');

/** A percent 0..100 of done/total, 0 when total is 0. */
export const pct = (done, total) => (total > 0 ? Math.round((1000 * done) / total) / 10 : 0);

/** A progress meter with its text: an accessible <progress> plus "12 / 40". */
export function meter(done, total, label) {
  return h('span', { class: 'meter' },
    h('progress', { max: String(Math.max(total, 1)), value: String(done), 'aria-label': label }),
    h('span', { class: 'meter-text' }, `${done} / ${total} · ${pct(done, total)}%`));
}

/** A short one-line preview of a task's data: the first string values, cut. */
export function preview(data, max = 120) {
  if (!data || typeof data !== 'object') return String(data ?? '');
  const parts = [];
  for (const [k, v] of Object.entries(data)) {
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    parts.push(`${k}: ${s}`);
    if (parts.join(' · ').length > max) break;
  }
  const s = parts.join(' · ');
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}
