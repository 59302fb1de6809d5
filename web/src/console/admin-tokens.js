// admin-tokens.js: API tokens. A new token (POST /api/v1/tokens, always the
// caller's own: the API creates tokens for no one else) is shown exactly
// once, with a copy button and a warning, because the server keeps only its
// hash. The list (GET /api/v1/tokens, or ?user_id= for another user of the
// tenant) includes login sessions (kind "session") beside API tokens (kind
// "api"); any of them can be revoked. Revoking the session this page runs on
// signs the caller out, so it asks first: that session is the caller's own
// session token whose expiry is the one GET /api/v1/auth/session reports.
import { h, mount } from '../lib/dom.js';
import { api, currentUser } from '../lib/api.js';
import { actionForm, errText, field, fmtTime, status, uid } from './ui.js';

export function tokensTab(root) {
  const me = currentUser();
  const name = h('input', { type: 'text', maxlength: '100', autocomplete: 'off', placeholder: 'e.g. import script' });
  const days = h('input', { type: 'number', min: '1', max: '3650', placeholder: 'never' });
  const whose = h('select', null, h('option', { value: '' }, `Mine (${me?.email || 'me'})`));
  const reveal = h('div', { class: 'reveal', hidden: true });
  const msg = status();
  const tbody = h('tbody');
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create token');

  mount(root,
    actionForm({ label: 'Create an API token', button: create, msg, run: async () => {
      const body = {};
      if (name.value.trim()) body.name = name.value.trim();
      if (days.value) body.expires_in_days = +days.value;
      showOnce(await api('POST', '/api/v1/tokens', body));
      name.value = ''; days.value = '';
      whose.value = '';
      await load();
    } },
    field('Token name', name), field('Expires in (days)', days),
    h('div', { class: 'c-actions end' }, create)),
    reveal, msg,
    h('div', { class: 'c-toolbar' }, field('Tokens of', whose)),
    h('table', { class: 'c-grid', 'aria-label': 'Tokens' },
      h('thead', null, h('tr', null, ['Name', 'Kind', 'Created', 'Expires', ''].map((t) => h('th', { scope: 'col' }, t)))),
      tbody));

  function showOnce(t) {
    const id = uid('secret');
    const secret = h('input', { id, type: 'text', readonly: true, value: t.token, class: 'mono secret' });
    const copied = h('span', { class: 'muted', role: 'status' });
    const copy = h('button', { type: 'button', onclick: async () => {
      secret.select();
      try { await navigator.clipboard.writeText(t.token); copied.textContent = 'Copied.'; }
      catch { copied.textContent = 'Selected: press Ctrl+C to copy.'; }
    } }, 'Copy');
    mount(reveal,
      h('p', { class: 'warning', role: 'alert' }, h('strong', null, 'Copy this token now. '),
        'It is shown only this once: Tally keeps only its hash. Anyone holding it acts as you; revoke it if it leaks.'),
      h('div', { class: 'c-row' }, h('label', { for: id }, `New token${t.name ? ' “' + t.name + '”' : ''}`), secret, copy, copied),
      h('button', { type: 'button', class: 'link', onclick: () => { reveal.hidden = true; reveal.replaceChildren(); } }, 'I have copied it; hide it'));
    reveal.hidden = false;
    secret.focus(); secret.select();
  }

  function row(t, currentExpiry) {
    const isSession = t.kind === 'session';
    const isCurrent = isSession && t.user_id === me?.id && !!currentExpiry && t.expires_at === currentExpiry;
    const label = t.name || (isSession ? (isCurrent ? 'This browser session' : 'Sign-in session') : '(unnamed API token)');
    const revoke = h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke ${label} ${t.id.slice(0, 8)}`, onclick: async () => {
      if (isCurrent && !window.confirm('This is the session you are using now: revoking it signs you out. Revoke it?')) return;
      revoke.disabled = true;
      try { await api('DELETE', `/api/v1/tokens/${encodeURIComponent(t.id)}`); msg.set(`Revoked ${label}.`, 'ok'); await load(); }
      catch (e) { revoke.disabled = false; msg.set(errText(e), 'error'); }
    } }, 'Revoke');
    return h('tr', { dataset: { tokenId: t.id, kind: t.kind } }, h('td', null, label),
      h('td', null, isSession ? 'session' : 'API'), h('td', { class: 'muted' }, fmtTime(t.created_at)),
      h('td', { class: 'muted' }, t.expires_at ? fmtTime(t.expires_at) : 'never'), h('td', null, revoke));
  }

  async function load() {
    try {
      const q = whose.value ? `?user_id=${encodeURIComponent(whose.value)}` : '';
      const [{ tokens }, session] = await Promise.all([
        api('GET', `/api/v1/tokens${q}`),
        api('GET', '/api/v1/auth/session').catch(() => null), // a bearer token has no session
      ]);
      const currentExpiry = session?.expires_at || null;
      mount(tbody, tokens.length ? tokens.map((t) => row(t, currentExpiry)) : h('tr', null, h('td', { colspan: '5', class: 'empty' }, 'No live tokens.')));
    } catch (e) { msg.set(errText(e), 'error'); }
  }
  whose.addEventListener('change', load);
  api('GET', '/api/v1/users').then(({ users }) => {
    for (const u of users) if (u.id !== me?.id) whose.append(h('option', { value: u.id }, u.email));
  }).catch(() => { /* the list still shows the caller's own */ });
  load();
}
