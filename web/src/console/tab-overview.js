// tab-overview.js: progress at a glance. The numbers (tasks, complete,
// annotations) and four charts from GET /projects/{id}/stats: completion
// over time, labels per bucket, per-annotator throughput (names are the
// server's pseudonyms or the tenant's own emails, shown as text) and the
// time-per-task histogram. Refreshed every 10 s while shown and on demand.
// A server without the stats route still gets the numbers (from the
// project's counts) and "No data yet" charts.
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { pushKeys } from '../lib/keys.js';
import { barList, drawChart, epoch, resizeCharts } from './charts.js';
import { errText, fmtTime, pct } from './ui.js';

const REFRESH_MS = 10000;

function tile(label, key) {
  const v = h('span', { class: 'c-tile-value', 'data-stat': key }, '–');
  return { el: h('div', { class: 'c-tile' }, h('span', { class: 'c-tile-label' }, label), v), v };
}

const fmtSeconds = (s) => (s == null ? '–' : s < 90 ? `${Math.round(s)} s` : `${Math.round(s / 60)} min`);

export function overviewTab(root, project) {
  const pid = encodeURIComponent(project.id);
  const tiles = { tasks: tile('Tasks', 'tasks'), complete: tile('Complete', 'complete'),
    pct: tile('Completion', 'completion'), annotations: tile('Annotations', 'annotations') };
  const bucket = h('select', { id: 'stats-bucket', 'aria-label': 'Time bucket' },
    ['minute', 'hour', 'day'].map((b) => h('option', { value: b, selected: b === 'hour' }, `per ${b}`)));
  const updated = h('span', { class: 'muted', role: 'status' });
  const refreshBtn = h('button', { type: 'button', onclick: () => refresh() }, 'Refresh');
  const boxes = {
    completion: h('div', { class: 'chart', 'aria-label': 'Completion over time' }),
    throughput: h('div', { class: 'chart', 'aria-label': 'Labels per time bucket' }),
    annotators: h('div', { class: 'chart-html' }),
    seconds: h('div', { class: 'chart', 'aria-label': 'Time per task distribution' }),
  };
  const card = (title, box) => h('figure', { class: 'c-card' }, h('figcaption', null, title), box);
  const perTitle = h('span', null, 'Labels per hour');
  mount(root,
    h('div', { class: 'c-toolbar' }, h('div', { class: 'c-tiles' }, Object.values(tiles).map((t) => t.el)),
      h('div', { class: 'c-actions' }, bucket, refreshBtn, updated)),
    h('div', { class: 'chart-grid' },
      card('Completion over time', boxes.completion),
      card(perTitle, boxes.throughput),
      card('Per-annotator throughput', boxes.annotators),
      card('Time per task', boxes.seconds)));

  let busy = false;
  async function refresh() {
    if (busy || !root.isConnected) return;
    busy = true;
    try {
      let s = null;
      try {
        s = await api('GET', `/api/v1/projects/${pid}/stats?bucket=${bucket.value}`);
      } catch (e) {
        if (e.status !== 404 && e.status !== 405) throw e;
        const p = await api('GET', `/api/v1/projects/${pid}`); // no stats route: the counts still tell
        s = { tasks: p.counts.tasks, complete: p.counts.completed_tasks, annotations: p.counts.annotations };
      }
      if (!root.isConnected) return;
      draw(s);
      updated.textContent = 'Updated ' + fmtTime(new Date().toISOString());
    } catch (e) {
      updated.textContent = 'Could not refresh: ' + errText(e);
    } finally { busy = false; }
  }

  function draw(s) {
    tiles.tasks.v.textContent = String(s.tasks ?? 0);
    tiles.complete.v.textContent = String(s.complete ?? 0);
    tiles.pct.v.textContent = `${pct(s.complete ?? 0, s.tasks ?? 0)}%`;
    tiles.annotations.v.textContent = String(s.annotations ?? 0);
    perTitle.textContent = `Labels per ${bucket.value}`;
    const series = (arr, key) => {
      const pts = (arr || []).map((p) => [epoch(p.t), Number(p[key]) || 0]).filter((p) => p[0] != null);
      return { xs: pts.map((p) => p[0]), ys: pts.map((p) => p[1]) };
    };
    drawChart(boxes.completion, { label: 'Complete tasks', ...series(s.completion, 'complete'), yLabel: 'tasks' });
    drawChart(boxes.throughput, { label: 'Labels', kind: 'bars', ...series(s.throughput, 'annotations'), yLabel: 'labels' });
    const ann = (s.annotators || []).slice().sort((a, b) => b.annotations - a.annotations);
    mount(boxes.annotators, ann.length
      ? barList(ann.map((a) => ({ name: String(a.annotator ?? 'imported'), value: a.annotations,
        note: `median ${fmtSeconds(a.median_seconds)}` })), { label: 'Labels per annotator' })
      : h('p', { class: 'no-data' }, 'No data yet'));
    const hist = s.seconds || []; // the last bucket (le null) holds everything slower
    drawChart(boxes.seconds, { label: 'Tasks', kind: 'bars', time: false,
      xs: hist.map((b, i) => i), ys: hist.map((b) => b.count), xLabel: 'seconds (up to)',
      fmtX: (i) => { const b = hist[i]; return b && Number.isInteger(i) ? fmtLe(b.le, hist) : ''; } });
  }

  const onResize = () => resizeCharts(root);
  addEventListener('resize', onResize);
  bucket.addEventListener('change', refresh);
  const dropKeys = pushKeys('overview', [{ key: 'r', label: 'Refresh the charts', run: refresh }]);
  const timer = setInterval(() => { if (!root.isConnected) stop(); else if (!document.hidden) refresh(); }, REFRESH_MS);
  function stop() {
    clearInterval(timer); removeEventListener('resize', onResize); dropKeys();
    for (const b of Object.values(boxes)) if (b._plot) b._plot.destroy();
  }
  refresh();
  return stop;
}

/** A histogram bucket's label: its upper bound, or "> last bound" for the
 *  open-ended last bucket (le null). */
function fmtLe(le, hist) {
  if (le == null) {
    const bounds = hist.map((b) => b.le).filter((x) => x != null);
    return bounds.length ? '> ' + fmtSeconds(Math.max(...bounds)) : 'all';
  }
  return '≤ ' + fmtSeconds(Number(le));
}
