// tab-members.js: who labels this project and how far each has got
// (GET /projects/{id}/members carries each member's progress). Add by email
// (the tenant's own users or the workforce, as the server allows), change
// role, remove (the server releases their live leases).
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { actionForm, errText, field, status } from './ui.js';

const ROLES = ['annotator', 'reviewer'];
const secs = (s) => (s == null ? '–' : s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);

export function membersTab(root, project) {
  const base = `/api/v1/projects/${encodeURIComponent(project.id)}/members`;
  const email = h('input', { type: 'email', required: true, autocomplete: 'off', placeholder: 'name@example.com' });
  const role = h('select', null, ROLES.map((r) => h('option', { value: r }, r)));
  const msg = status();
  const tbody = h('tbody');
  const add = h('button', { type: 'submit', class: 'primary' }, 'Add member');

  mount(root,
    actionForm({ label: 'Add a member', button: add, msg, run: async () => {
      if (!email.value.trim()) { msg.set('Type an email.', 'error'); return; }
      await api('POST', base, { email: email.value.trim(), role: role.value });
      msg.set(`Added ${email.value.trim()}.`, 'ok');
      email.value = '';
      await load();
    } }, field('Email', email), field('Role', role, null, 'c-small'), h('div', { class: 'c-actions end' }, add)),
    msg,
    h('table', { class: 'c-grid', 'aria-label': 'Members' },
      h('thead', null, h('tr', null, ['Member', 'Role', 'Done', 'In progress', 'Skipped', 'Median time', ''].map((t, i) =>
        h('th', { scope: 'col', class: i >= 2 && i <= 5 ? 'num' : null }, t)))),
      tbody));

  function row(m) {
    const sel = h('select', { 'aria-label': `Role of ${m.name}` },
      ROLES.map((r) => h('option', { value: r, selected: r === m.role }, r)));
    sel.addEventListener('change', async () => {
      try {
        await api('PATCH', `${base}/${encodeURIComponent(m.user_id)}`, { role: sel.value });
        msg.set(`${m.name} is now ${sel.value}.`, 'ok');
      } catch (e) { sel.value = m.role; msg.set(errText(e), 'error'); }
    });
    const remove = h('button', { type: 'button', class: 'danger', 'aria-label': `Remove ${m.name}`, onclick: async () => {
      if (!confirm(`Remove ${m.name} from this project? Their open leases are released.`)) return;
      try { await api('DELETE', `${base}/${encodeURIComponent(m.user_id)}`); msg.set(`Removed ${m.name}.`, 'ok'); await load(); }
      catch (e) { msg.set(errText(e), 'error'); }
    } }, 'Remove');
    const p = m.progress || {};
    return h('tr', null, h('td', null, m.name), h('td', null, sel),
      h('td', { class: 'num' }, String(p.done ?? 0)), h('td', { class: 'num' }, String(p.in_progress ?? 0)),
      h('td', { class: 'num' }, String(p.skipped ?? 0)), h('td', { class: 'num' }, secs(p.median_seconds)),
      h('td', null, remove));
  }

  async function load() {
    try {
      const { members } = await api('GET', base);
      mount(tbody, members.length ? members.map(row)
        : h('tr', null, h('td', { colspan: '7', class: 'empty' }, 'No members yet: add annotators by email.')));
    } catch (e) { msg.set(errText(e), 'error'); }
  }
  load();
}
