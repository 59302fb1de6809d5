// admin.js: #/admin/:tab, the tenant admin (owners and admins): users and
// API tokens, one module each.
import { h, mount } from '../lib/dom.js';
import { currentUser } from '../lib/api.js';
import { usersTab } from './admin-users.js';
import { tokensTab } from './admin-tokens.js';

const TABS = [['users', 'Users', usersTab], ['tokens', 'API tokens', tokensTab]];

export function adminScreen(root, { tab }) {
  const which = TABS.find((t) => t[0] === tab) || TABS[0];
  const body = h('div', { class: 'tab-body' });
  const tenant = currentUser()?.tenant?.name;
  mount(root, h('section', { class: 'console' },
    h('div', { class: 'c-head' }, h('h1', null, 'Admin'), tenant && h('span', { class: 'muted' }, tenant)),
    h('nav', { class: 'c-tabs', 'aria-label': 'Admin sections' },
      TABS.map(([key, label]) => h('a', { href: `#/admin/${key}`, class: key === which[0] ? 'c-tab c-current' : 'c-tab',
        'aria-current': key === which[0] ? 'page' : null }, label))),
    body));
  return which[2](body);
}
