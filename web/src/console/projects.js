// projects.js: #/manage, the tenant's projects with their progress at a
// glance. GET /api/v1/projects already carries the counts, so this is one
// request however many tasks the projects hold.
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { errText, meter } from './ui.js';

export async function projectsScreen(root) {
  const body = h('div', { class: 'c-loading' }, 'Loading projects…');
  mount(root, h('section', { class: 'console' },
    h('div', { class: 'c-head' },
      h('h1', null, 'Projects'),
      h('a', { class: 'button primary', href: '#/manage/new' }, 'New project')),
    body));
  let projects;
  try {
    projects = (await api('GET', '/api/v1/projects')).projects;
  } catch (e) {
    mount(body, h('p', { class: 'error', role: 'alert' }, errText(e)));
    return;
  }
  if (!projects.length) {
    mount(body, h('div', { class: 'empty' }, h('p', null, 'No projects yet.'),
      h('a', { href: '#/manage/new' }, 'Create the first one')));
    return;
  }
  const rows = projects.map((p) => {
    const c = p.counts || { tasks: 0, completed_tasks: 0, annotations: 0 };
    return h('tr', null,
      h('td', null, h('a', { href: `#/manage/p/${encodeURIComponent(p.id)}` }, p.name),
        p.archived && h('span', { class: 'c-badge' }, 'archived')),
      h('td', { class: 'num' }, String(c.tasks)),
      h('td', { class: 'num' }, String(c.annotations)),
      h('td', null, meter(c.completed_tasks, c.tasks, `Completion of ${p.name}`)),
      h('td', { class: 'num' }, String(p.overlap)));
  });
  mount(body, h('table', { class: 'c-grid', 'aria-label': 'Projects' },
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col', class: 'num' }, 'Tasks'),
      h('th', { scope: 'col', class: 'num' }, 'Annotations'), h('th', { scope: 'col' }, 'Complete'),
      h('th', { scope: 'col', class: 'num' }, 'Overlap'))),
    h('tbody', null, rows)));
}
