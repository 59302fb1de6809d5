// screens/myscores.js: an annotator's own scores on their page (#/me), one
// row per project they labeled: GET /api/v1/projects/{id}/me/quality gives
// the numbers the quality staff see about them (gold answered, accuracy and
// its lower bound, skill, agreement, median seconds, status) and nobody
// else's. Projects are read one after another: an annotator has few.
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';

const pct = (x) => (x === null || x === undefined ? '—' : `${Math.round(x * 100)} %`);
const secs = (x) => (x === null || x === undefined ? '—' : `${Math.round(x)} s`);

/** The "My scores" section for projects [{project_id, name}]: returns its
 * element at once and fills it. */
export function scoresSection(projects) {
  const body = h('div', null, h('p', { class: 'loading' }, 'Loading your scores…'));
  const section = h('section', { class: 'my-scores', 'aria-label': 'My scores' }, h('h2', null, 'My scores'), body);
  load();
  return section;

  async function load() {
    const rows = [];
    for (const p of projects) {
      let q;
      try { q = await api('GET', `/api/v1/projects/${encodeURIComponent(p.project_id)}/me/quality`); } catch (e) {
        if (e.status === 404) continue; // no longer a member, or an older server
        mount(body, h('p', { class: 'note', role: 'status' }, 'Could not load your scores: ' + e.message));
        return;
      }
      rows.push(h('tr', null, h('th', { scope: 'row' }, p.name),
        h('td', { class: 'num' }, String(q.gold.answered)),
        h('td', { class: 'num' }, pct(q.gold.accuracy)),
        h('td', { class: 'num' }, pct(q.gold.lower_bound)),
        h('td', { class: 'num' }, pct(q.skill)),
        h('td', { class: 'num' }, pct(q.agreement)),
        h('td', { class: 'num' }, secs(q.median_seconds)),
        h('td', null, q.status === 'suspended' ? 'Suspended' : 'Active')));
    }
    if (!rows.length) {
      mount(body, h('p', { class: 'muted' }, 'No scores yet: label some tasks first.'));
      return;
    }
    const col = (t) => h('th', { scope: 'col' }, t);
    mount(body, h('table', { class: 'grid' },
      h('thead', null, h('tr', null, col('Project'), col('Gold answered'), col('Gold accuracy'), col('Lower bound'),
        col('Skill'), col('Agreement'), col('Median time'), col('Status'))),
      h('tbody', null, rows)));
  }
}
