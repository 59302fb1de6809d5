// appeals.js: the project's "Appeals" tab: every flag an annotator appealed,
// across the project, newest first, gathered from GET /projects/{id}/workers
// (each worker's flags carry their appeal). Undecided ones by default; a
// quality lead upholds or dismisses each with a note (POST
// /flags/{id}/decision), which workers.js's form does.
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { pushKeys } from '../lib/keys.js';
import { errText, status } from './ui.js';
import { flagCard } from './workers.js';

export function appealsTab(root, project) {
  const pid = encodeURIComponent(project.id);
  const msg = status();
  const list = h('div', { class: 'q-flags', 'aria-label': 'Appeals' });
  const all = h('input', { type: 'checkbox', id: 'appeals-all' });
  const count = h('span', { class: 'muted', role: 'status' });

  mount(root,
    h('div', { class: 'c-toolbar' },
      h('div', { class: 'c-field c-check' }, all, h('label', { for: 'appeals-all' }, 'Show decided appeals too')),
      h('div', { class: 'c-actions' }, count, h('button', { type: 'button', onclick: () => load() }, 'Refresh'))),
    msg, list);

  async function load() {
    try {
      const r = await api('GET', `/api/v1/projects/${pid}/workers`);
      if (!root.isConnected) return;
      const appeals = [];
      for (const w of r.workers || []) {
        for (const f of w.flags || []) if (f.appeal) appeals.push({ f, who: String(w.annotator) });
      }
      const at = (a) => Date.parse(a.f.appeal.created_at || a.f.created_at) || 0;
      appeals.sort((a, b) => at(b) - at(a));
      const open = appeals.filter((a) => a.f.status === 'open');
      const shown = all.checked ? appeals : open;
      count.textContent = `${open.length} waiting for a decision, ${appeals.length - open.length} decided`;
      mount(list, shown.length
        ? shown.map(({ f, who }) => h('section', { class: 'c-card', 'aria-label': `Appeal of ${who}` },
          h('h3', null, who), flagCard(f, who, { lead: true, msg, onDecided: () => load() })))
        : h('p', { class: 'muted empty' }, all.checked ? 'No flag has been appealed.' : 'No appeal is waiting for a decision.'));
    } catch (e) {
      msg.set(e.status === 404 || e.status === 405 ? 'Appeals are not available on this server.' : errText(e), 'error');
    }
  }
  all.addEventListener('change', load);
  const dropKeys = pushKeys('appeals', [{ key: 'r', label: 'Refresh the appeals', run: () => load() }]);
  load();
  return dropKeys;
}
