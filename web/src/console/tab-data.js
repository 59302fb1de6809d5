// tab-data.js: the data browser. Tasks one page at a time by the server's
// opaque cursor (GET /projects/{id}/tasks?limit&cursor&state), so it costs
// the same at a million tasks as at ten: nothing is counted or loaded in
// full. "Previous" walks back a stack of the cursors that led here. The
// position is remembered per project for the page's life, so opening a task
// and coming back lands on the same page.
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { pushKeys } from '../lib/keys.js';
import { go } from '../lib/router.js';
import { errText, fmtTime, preview } from './ui.js';

const PAGE = 50;
const remembered = new Map(); // project id → {state, stack: [cursor...]}

export function dataTab(root, project) {
  const pid = encodeURIComponent(project.id);
  const pos = remembered.get(project.id) || { state: '', stack: [null] };
  remembered.set(project.id, pos);
  const stateSel = h('select', { id: 'data-state' },
    [['', 'All tasks'], ['open', 'Open'], ['complete', 'Complete'], ['gold', 'Gold']].map(([v, t]) =>
      h('option', { value: v, selected: v === pos.state }, t)));
  const prev = h('button', { type: 'button', onclick: () => move(-1) }, '← Previous');
  const next = h('button', { type: 'button', onclick: () => move(1) }, 'Next →');
  const where = h('span', { class: 'muted', role: 'status' });
  const tbody = h('tbody');
  let nextCursor = null, ctl = null;

  mount(root,
    h('div', { class: 'c-toolbar' },
      h('div', { class: 'c-field c-inline' }, h('label', { for: 'data-state' }, 'State'), stateSel),
      h('div', { class: 'c-actions' }, prev, next, where)),
    h('table', { class: 'c-grid tasks', 'aria-label': 'Tasks' },
      h('thead', null, h('tr', null,
        h('th', { scope: 'col' }, 'Data'), h('th', { scope: 'col' }, 'State'),
        h('th', { scope: 'col', class: 'num' }, 'Annotations'), h('th', { scope: 'col' }, 'Imported'))),
      tbody));

  async function load() {
    if (ctl) ctl.abort();
    ctl = new AbortController();
    const mine = ctl;
    const cursor = pos.stack[pos.stack.length - 1];
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (cursor) q.set('cursor', cursor);
    if (pos.state) q.set('state', pos.state);
    prev.disabled = next.disabled = true;
    where.textContent = 'Loading…';
    try {
      const page = await api('GET', `/api/v1/projects/${pid}/tasks?${q}`, null, { signal: mine.signal });
      if (mine !== ctl) return;
      nextCursor = page.next_cursor;
      mount(tbody, page.tasks.length ? page.tasks.map(row)
        : h('tr', null, h('td', { colspan: '4', class: 'empty' }, pos.state ? `No ${pos.state} tasks.` : 'No tasks yet: import some.')));
      prev.disabled = pos.stack.length <= 1;
      next.disabled = !nextCursor;
      where.textContent = `Page ${pos.stack.length}` + (page.tasks.length ? ` · ${page.tasks.length} tasks` : '');
    } catch (e) {
      if (e.name === 'AbortError') return;
      where.textContent = errText(e);
      prev.disabled = pos.stack.length <= 1;
    }
  }

  const row = (t) => h('tr', null,
    h('td', { class: 'preview' }, h('a', { href: `#/manage/p/${pid}/task/${encodeURIComponent(t.id)}`,
      'aria-label': `Open task ${t.id}` }, preview(t.data))),
    h('td', null, h('span', { class: `c-state ${t.state}` }, t.state)),
    h('td', { class: 'num' }, String(t.annotations_count)),
    h('td', { class: 'muted' }, fmtTime(t.created_at)));

  function move(dir) {
    if (dir > 0 && nextCursor) pos.stack.push(nextCursor);
    else if (dir < 0 && pos.stack.length > 1) pos.stack.pop();
    else return;
    load();
  }
  stateSel.addEventListener('change', () => { pos.state = stateSel.value; pos.stack = [null]; load(); });
  const dropKeys = pushKeys('data', [
    { key: 'n', label: 'Next page', run: () => move(1) },
    { key: 'p', label: 'Previous page', run: () => move(-1) },
    { key: 'o', label: 'Open the first task of the page', run: () => {
      const a = tbody.querySelector('a'); if (a) go(a.getAttribute('href').slice(1));
    } },
  ]);
  load();
  return () => { dropKeys(); if (ctl) ctl.abort(); };
}
