// admin-users.js: the tenant's users (GET/POST/PATCH /api/v1/users):
// create with a role (and a password to sign in with, or none for an
// API-only account), change role, disable or enable. Nobody is deleted:
// their past labels keep an author.
import { h, mount } from '../lib/dom.js';
import { api, currentUser } from '../lib/api.js';
import { actionForm, errText, field, fmtTime, status } from './ui.js';

const ROLES = ['owner', 'admin', 'manager', 'reviewer', 'viewer', 'annotator'];

export function usersTab(root) {
  const email = h('input', { type: 'email', required: true, autocomplete: 'off' });
  const role = h('select', null, ROLES.map((r) => h('option', { value: r, selected: r === 'annotator' }, r)));
  const password = h('input', { type: 'password', autocomplete: 'new-password', minlength: '8' });
  const msg = status();
  const tbody = h('tbody');
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create user');

  mount(root,
    actionForm({ label: 'Create a user', button: create, msg, run: async () => {
      const body = { email: email.value.trim(), role: role.value };
      if (password.value) body.password = password.value;
      const u = await api('POST', '/api/v1/users', body);
      msg.set(`Created ${u.email} (${u.role}).`, 'ok');
      email.value = ''; password.value = '';
      await load();
    }, error: (e) => (e.status === 409 ? 'A user with this email exists.' : errText(e)) },
    field('Email', email), field('Role', role, null, 'c-small'),
    field('Password', password, 'At least 8 characters; leave empty for an API-only account.'),
    h('div', { class: 'c-actions end' }, create)),
    msg,
    h('table', { class: 'c-grid', 'aria-label': 'Users' },
      h('thead', null, h('tr', null, ['Email', 'Role', 'Status', 'Created', ''].map((t) => h('th', { scope: 'col' }, t)))),
      tbody));

  function row(u) {
    const self = u.id === currentUser()?.id;
    const sel = h('select', { 'aria-label': `Role of ${u.email}`, disabled: self },
      ROLES.map((r) => h('option', { value: r, selected: r === u.role }, r)));
    sel.addEventListener('change', () => patch(u, { role: sel.value }, () => { sel.value = u.role; }));
    const toggle = h('button', { type: 'button', disabled: self, 'aria-label': `${u.disabled ? 'Enable' : 'Disable'} ${u.email}`,
      onclick: () => patch(u, { disabled: !u.disabled }) }, u.disabled ? 'Enable' : 'Disable');
    return h('tr', { class: u.disabled ? 'c-disabled' : null },
      h('td', null, u.email, self && h('span', { class: 'c-badge' }, 'you')), h('td', null, sel),
      h('td', null, u.disabled ? 'disabled' : 'active'), h('td', { class: 'muted' }, fmtTime(u.created_at)),
      h('td', null, toggle));
  }

  async function patch(u, body, undo) {
    try {
      const n = await api('PATCH', `/api/v1/users/${encodeURIComponent(u.id)}`, body);
      msg.set(`${n.email}: ${n.disabled ? 'disabled' : 'active'}, ${n.role}.`, 'ok');
      await load();
    } catch (e) { if (undo) undo(); msg.set(errText(e), 'error'); }
  }

  async function load() {
    try {
      const { users } = await api('GET', '/api/v1/users');
      mount(tbody, users.map(row));
    } catch (e) { msg.set(errText(e), 'error'); }
  }
  load();
}
