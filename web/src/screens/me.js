// screens/me.js: the annotator's own page (#/me): tasks done and time
// spent, in total and per project (GET /api/v1/me/stats), and their quality
// scores per project (myscores.js) and flags with the appeal form (flags.js). Until the server has the stats
// route, the page says so and lists their projects.
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { route } from '../lib/router.js';
import { duration, liveness } from './util.js';
import { flagsSection } from './flags.js';
import { scoresSection } from './myscores.js';

const tile = (label, value) => h('div', { class: 'tile' }, h('span', { class: 'tile-value' }, value), h('span', { class: 'tile-label' }, label));

route('/me', (root) => {
  const life = liveness();
  mount(root, h('p', { class: 'loading' }, 'Loading your work…'));
  (async () => {
    const me = await api('GET', '/api/v1/me').catch(() => null);
    let stats = null;
    let why = '';
    try { stats = await api('GET', '/api/v1/me/stats'); } catch (e) {
      why = e.status === 404 ? 'Your statistics are not available on this server yet.' : 'Could not load your statistics: ' + e.message;
    }
    if (!life.alive()) return;
    const head = h('h1', null, 'My work');
    const who = me ? h('p', { class: 'muted' }, me.email) : null;
    if (!stats) {
      mount(root, h('section', { class: 'me' }, head, who, h('p', { class: 'note', role: 'status' }, why),
        me && me.projects?.length ? h('ul', null, me.projects.map((p) =>
          h('li', null, h('a', { href: `#/p/${encodeURIComponent(p.id)}/label` }, p.name)))) : null, flagsSection()));
      return;
    }
    const rows = (stats.projects || []).map((p) => h('tr', null,
      h('th', { scope: 'row' }, h('a', { href: `#/p/${encodeURIComponent(p.project_id)}/label` }, p.name)),
      h('td', { class: 'num' }, String(p.annotations)),
      h('td', { class: 'num' }, duration(p.seconds)),
      h('td', null, p.last_at ? new Date(p.last_at).toLocaleString() : '—')));
    mount(root, h('section', { class: 'me' }, head, who,
      h('div', { class: 'tiles' }, tile('Tasks done', String(stats.annotations ?? 0)), tile('Time spent', duration(stats.seconds))),
      h('h2', null, 'Per project'),
      rows.length
        ? h('table', { class: 'grid' },
          h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Project'), h('th', { scope: 'col' }, 'Tasks done'),
            h('th', { scope: 'col' }, 'Time spent'), h('th', { scope: 'col' }, 'Last labeled'))),
          h('tbody', null, rows))
        : h('p', { class: 'muted' }, 'Nothing labeled yet.'),
      scoresSection(stats.projects || []),
      flagsSection()));
  })();
  return () => life.stop();
});
