// project.js: #/manage/p/:id/:tab, one project's page: its header, the tab
// bar, and the tab itself (one module per tab). The project is fetched once
// per visit and handed to the tab, which refreshes what it shows itself.
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { pushKeys } from '../lib/keys.js';
import { go } from '../lib/router.js';
import { errText } from './ui.js';
import { overviewTab } from './tab-overview.js';
import { dataTab } from './tab-data.js';
import { importTab } from './tab-import.js';
import { exportTab } from './tab-export.js';
import { membersTab } from './tab-members.js';
import { settingsTab } from './tab-settings.js';
import { qualityTab } from './quality.js';
import { workersTab } from './workers.js';
import { appealsTab } from './appeals.js';

const TABS = [
  ['overview', 'Overview', overviewTab],
  ['data', 'Data', dataTab],
  ['import', 'Import', importTab],
  ['export', 'Export', exportTab],
  ['members', 'Members', membersTab],
  ['settings', 'Settings', settingsTab],
  ['quality', 'Quality', qualityTab],
  ['workers', 'Workers', workersTab],
  ['appeals', 'Appeals', appealsTab],
];

export async function projectScreen(root, { id, tab }) {
  const which = TABS.find((t) => t[0] === tab) || TABS[0];
  const base = `/manage/p/${encodeURIComponent(id)}`;
  let project;
  try {
    project = await api('GET', `/api/v1/projects/${encodeURIComponent(id)}`);
  } catch (e) {
    mount(root, h('section', { class: 'empty' }, h('h1', null, 'Project not available'),
      h('p', { role: 'alert' }, errText(e)), h('a', { href: '#/manage' }, 'Back to projects')));
    return;
  }
  const title = h('h1', null, project.name);
  const body = h('div', { class: 'tab-body', role: 'tabpanel', 'aria-label': which[1] });
  const bar = h('nav', { class: 'c-tabs', 'aria-label': 'Project sections' },
    TABS.map(([key, label], i) => h('a', { href: `#${base}/${key}`, class: key === which[0] ? 'c-tab c-current' : 'c-tab',
      'aria-current': key === which[0] ? 'page' : null, title: `${label} (Alt+${i + 1})` }, label)));
  mount(root, h('section', { class: 'console' },
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/manage' }, 'Projects'), ' / ', project.name),
    h('div', { class: 'c-head' }, title, project.archived && h('span', { class: 'c-badge' }, 'archived'),
      h('a', { class: 'button', href: `#/p/${encodeURIComponent(project.id)}/review` }, 'Review queue')),
    bar, body));
  // Alt+1..9 switch tabs, so the console is usable without the mouse.
  const dropKeys = pushKeys('project', TABS.map(([key, label], i) => ({
    key: `Alt+${i + 1}`, label: `Go to ${label}`, run: () => go(`${base}/${key}`), allowInInput: true })));
  const onRename = (p) => { title.textContent = p.name; };
  const cleanupTab = await which[2](body, project, { onChange: onRename });
  return () => { dropKeys(); if (typeof cleanupTab === 'function') cleanupTab(); };
}
