// screens/home.js: the annotator's home (#/): the projects they are a
// member of (GET /api/v1/me), with progress where GET /api/v1/projects
// tells it; each name opens the labeling loop. Number keys 1–9 open the
// first nine.
import { h, mount } from '../lib/dom.js';
import { api, isStaff, currentUser } from '../lib/api.js';
import { go, route } from '../lib/router.js';
import { pushKeys } from '../lib/keys.js';
import { liveness } from './util.js';

route('/', (root) => {
  const life = liveness();
  let removeKeys = () => {};
  mount(root, h('p', { class: 'loading' }, 'Loading your projects…'));
  (async () => {
    let me;
    let counts = new Map();
    try {
      const [m, list] = await Promise.all([api('GET', '/api/v1/me'),
        api('GET', '/api/v1/projects').catch(() => null)]);
      me = m;
      const arr = list && (Array.isArray(list) ? list : list.projects);
      if (Array.isArray(arr)) counts = new Map(arr.map((p) => [p.id, p.counts]));
    } catch (e) {
      if (life.alive()) mount(root, h('p', { class: 'error', role: 'alert' }, 'Could not load your projects: ' + e.message));
      return;
    }
    if (!life.alive()) return;
    const projects = me.projects || [];
    const card = (p, i) => {
      const c = counts.get(p.id);
      const meta = [p.role];
      let bar = null;
      if (c && typeof c.tasks === 'number') {
        meta.push(`${c.completed_tasks} of ${c.tasks} tasks complete`);
        bar = h('progress', { max: String(Math.max(1, c.tasks)), value: String(c.completed_tasks), 'aria-label': `${p.name}: progress` });
      }
      return h('li', { class: 'project-card' },
        h('a', { class: 'project-name', href: `#/p/${encodeURIComponent(p.id)}/label` }, p.name),
        i < 9 ? h('kbd', { class: 'project-key', 'aria-hidden': 'true' }, String(i + 1)) : null,
        h('p', { class: 'meta' }, meta.join(' · ')), bar);
    };
    mount(root, h('section', { class: 'home' },
      h('h1', null, 'Your projects'),
      projects.length
        ? h('ul', { class: 'projects', 'aria-label': 'Your projects' }, projects.map(card))
        : h('div', { class: 'empty' },
          h('p', null, 'You are not a member of any project yet.'),
          isStaff(currentUser()) ? h('a', { href: '#/manage' }, 'Open the console') : h('p', null, 'Ask your project manager to add you.'))));
    removeKeys = pushKeys('projects', projects.slice(0, 9).map((p, i) => ({
      key: String(i + 1), label: `Open ${p.name}`, run: () => go(`/p/${encodeURIComponent(p.id)}/label`),
    })));
  })();
  return () => { life.stop(); removeKeys(); };
});
