// quality.js: the project's "Quality" tab. Charts from GET
// /projects/{id}/quality (agreement per field, the histogram of aggregate
// confidence in ten bins, gold accuracy per day) drawn by charts.js (uPlot)
// with the numbers beside them as text; the last inference; the reviewers'
// scores (GET /projects/{id}/reviewers); "Re-run inference" (POST
// /projects/{id}/aggregates/run, 202: the server re-infers in the
// background, so the charts are fetched again a moment later); and the
// project's quality settings (PATCH /projects/{id}, only what changed).
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { pushKeys } from '../lib/keys.js';
import { drawChart, epoch, resizeCharts } from './charts.js';
import { check, errText, field, fmtTime, patchProject, status } from './ui.js';
import { fmtRate, fmtScore } from './qutil.js';

const METHODS = [['auto', 'auto (chosen from the data)'], ['mv', 'majority vote'], ['wmv', 'weighted majority vote'],
  ['ds', 'Dawid-Skene'], ['onecoin', 'one-coin'], ['glad', 'GLAD'], ['mace', 'MACE']];
const BINS = Array.from({ length: 10 }, (_, i) => `${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}`);

export function qualityTab(root, project, { onChange } = {}) {
  const pid = encodeURIComponent(project.id);
  const msg = status();
  const rerun = h('button', { type: 'button', class: 'primary', onclick: () => rerunInference() }, 'Re-run inference');
  const refreshBtn = h('button', { type: 'button', onclick: () => refresh() }, 'Refresh');
  const last = h('dl', { class: 'q-kv', 'aria-label': 'Last inference' });
  const boxes = {
    agreement: h('div', { class: 'chart', 'aria-label': 'Agreement per field' }),
    confidence: h('div', { class: 'chart', 'aria-label': 'Confidence histogram' }),
    gold: h('div', { class: 'chart', 'aria-label': 'Gold accuracy over time' }),
  };
  const agreeTable = h('div');
  const goldNote = h('p', { class: 'muted' });
  const reviewers = h('div');
  const card = (title, ...kids) => h('figure', { class: 'c-card' }, h('figcaption', null, title), kids);
  let timer = null;

  mount(root,
    h('div', { class: 'c-toolbar' }, last, h('div', { class: 'c-actions' }, refreshBtn, rerun)),
    msg,
    h('div', { class: 'chart-grid' },
      card('Agreement per field', boxes.agreement, agreeTable),
      card('Confidence of the aggregates', boxes.confidence),
      card('Gold accuracy over time', boxes.gold, goldNote),
      card('Reviewers', reviewers)),
    settingsForm(project, onChange));

  async function refresh() {
    if (!root.isConnected) return;
    try {
      const q = await api('GET', `/api/v1/projects/${pid}/quality`);
      if (!root.isConnected) return;
      draw(q || {});
    } catch (e) {
      msg.set(e.status === 404 || e.status === 405 ? 'Quality figures are not available on this server.' : errText(e), 'error');
    }
    api('GET', `/api/v1/projects/${pid}/reviewers`).then((r) => { if (root.isConnected) drawReviewers(r.reviewers || []); })
      .catch((e) => mount(reviewers, h('p', { class: 'muted' }, e.status === 404 ? 'No reviewer scores on this server.' : errText(e))));
  }

  function draw(q) {
    const agree = Object.entries(q.agreement || {}).filter(([, v]) => v != null && isFinite(v));
    drawChart(boxes.agreement, { label: 'Agreement', kind: 'bars', time: false,
      xs: agree.map((_, i) => i), ys: agree.map(([, v]) => Number(v)), xLabel: 'field',
      // Alpha and kappa run below 0 when raters disagree more than chance.
      yRange: [Math.min(0, ...agree.map(([, v]) => Math.floor(Number(v) * 4) / 4)), 1],
      fmtX: (i) => (Number.isInteger(i) && agree[i] ? agree[i][0] : '') });
    mount(agreeTable, Object.keys(q.agreement || {}).length
      ? h('table', { class: 'q-agree', 'aria-label': 'Agreement per field (numbers)' }, h('tbody', null,
        Object.entries(q.agreement).map(([k, v]) => h('tr', null, h('th', { scope: 'row' }, k), h('td', null, fmtScore(v))))))
      : null);
    const hist = Array.isArray(q.confidence_histogram) ? q.confidence_histogram.slice(0, 10) : [];
    const any = hist.some((c) => c > 0);
    drawChart(boxes.confidence, { label: 'Tasks', kind: 'bars', time: false,
      xs: any ? hist.map((_, i) => i) : [], ys: hist.map((c) => Number(c) || 0), xLabel: 'confidence',
      fmtX: (i) => (Number.isInteger(i) ? BINS[i] || '' : '') });
    const pts = (q.gold_accuracy || []).map((p) => [epoch(p.t), Number(p.accuracy), Number(p.answered) || 0])
      .filter((p) => p[0] != null && isFinite(p[1]));
    drawChart(boxes.gold, { label: 'Gold accuracy', xs: pts.map((p) => p[0]), ys: pts.map((p) => p[1]), yLabel: 'accuracy', yRange: [0, 1] });
    const answered = pts.reduce((s, p) => s + p[2], 0);
    goldNote.textContent = pts.length
      ? `${answered} gold answers over ${pts.length} day${pts.length === 1 ? '' : 's'}; latest day ${fmtRate(pts[pts.length - 1][1])}.`
      : 'No gold task has been answered yet.';
    const li = q.last_inference;
    mount(last, li && typeof li === 'object'
      ? Object.entries(li).filter(([, v]) => v != null && typeof v !== 'object').slice(0, 8).map(([k, v]) =>
        h('div', null, h('dt', null, k.replace(/_/g, ' ')), h('dd', null, /_at$|^at$/.test(k) ? fmtTime(v)
          : typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(2) : String(v))))
      : h('div', null, h('dt', null, 'Last inference'), h('dd', null, 'not run yet')));
  }

  function drawReviewers(rs) {
    mount(reviewers, rs.length
      ? h('table', { class: 'c-grid', 'aria-label': 'Reviewers' },
        h('thead', null, h('tr', null, ['Reviewer', 'Reviews', 'Agreement', 'Gold answered', 'Gold accuracy']
          .map((t, i) => h('th', { scope: 'col', class: i ? 'num' : null }, t)))),
        h('tbody', null, rs.map((r) => h('tr', null, h('th', { scope: 'row' }, String(r.reviewer)),
          h('td', { class: 'num' }, String(r.reviews ?? 0)), h('td', { class: 'num' }, fmtScore(r.agreement)),
          h('td', { class: 'num' }, String(r.gold?.answered ?? 0)), h('td', { class: 'num' }, fmtRate(r.gold?.accuracy))))))
      : h('p', { class: 'no-data' }, 'No reviews yet'));
  }

  async function rerunInference() {
    rerun.disabled = true;
    try {
      await api('POST', `/api/v1/projects/${pid}/aggregates/run`);
      msg.set('Inference queued: the figures update when it is done.', 'ok');
      clearTimeout(timer);
      timer = setTimeout(refresh, 1500);
    } catch (e) { msg.set(errText(e), 'error'); } finally { rerun.disabled = false; }
  }

  const onResize = () => resizeCharts(root);
  addEventListener('resize', onResize);
  const dropKeys = pushKeys('quality', [
    { key: 'r', label: 'Refresh the quality figures', run: () => refresh() },
  ]);
  refresh();
  return () => {
    clearTimeout(timer); removeEventListener('resize', onResize); dropKeys();
    for (const b of Object.values(boxes)) if (b._plot) b._plot.destroy();
  };
}

/** The quality settings: gold rate, qualification, max overlap, confidence
 *  target and the quality object (method, policy, thresholds). */
function settingsForm(project, onChange) {
  let cur = project;
  const pid = encodeURIComponent(project.id);
  const num = (min, max, step) => h('input', { type: 'number', min: String(min), max: String(max), step: String(step) });
  const goldRate = num(0, 1, 0.01);
  const qualOn = h('input', { type: 'checkbox' });
  const qualTasks = num(1, 1000, 1);
  const qualPass = num(0, 1, 0.01);
  const maxOverlap = num(1, 100, 1);
  const confTarget = num(0, 1, 0.01);
  const method = h('select', null, METHODS.map(([v, t]) => h('option', { value: v }, t)));
  const policy = h('select', null, h('option', { value: 'flag' }, 'flag only'), h('option', { value: 'suspend' }, 'flag and suspend'));
  const goldThreshold = num(0, 1, 0.01);
  goldThreshold.placeholder = 'chance';
  const reviewRate = num(0, 1, 0.01);
  const reviewBelow = num(0, 1, 0.01);
  const msg = status();
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save quality settings');

  function fill(p) {
    const q = p.quality || {};
    goldRate.value = p.gold_rate ?? 0;
    qualOn.checked = !!p.qualification;
    qualTasks.value = p.qualification?.tasks ?? 5;
    qualPass.value = p.qualification?.pass ?? 0.8;
    maxOverlap.value = p.max_overlap ?? p.overlap ?? 1;
    confTarget.value = p.confidence_target ?? '';
    method.value = q.method || 'auto';
    policy.value = q.policy || 'flag';
    goldThreshold.value = q.gold_threshold ?? '';
    reviewRate.value = q.review_rate ?? 0;
    reviewBelow.value = q.review_below ?? 0;
    qualTasks.disabled = qualPass.disabled = !qualOn.checked;
  }
  qualOn.addEventListener('change', () => { qualTasks.disabled = qualPass.disabled = !qualOn.checked; });

  function changes() {
    const d = {};
    const n = (el) => (el.value === '' ? null : Number(el.value));
    if (n(goldRate) !== (cur.gold_rate ?? 0)) d.gold_rate = n(goldRate) ?? 0;
    const qual = qualOn.checked ? { tasks: n(qualTasks), pass: n(qualPass) } : null;
    const was = cur.qualification || null;
    if (JSON.stringify(qual) !== JSON.stringify(was && { tasks: was.tasks, pass: was.pass })) d.qualification = qual;
    if (n(maxOverlap) !== (cur.max_overlap ?? cur.overlap)) d.max_overlap = n(maxOverlap);
    const ct = n(confTarget);
    if ((ct || null) !== (cur.confidence_target || null)) d.confidence_target = ct || null;
    const q = cur.quality || {};
    const dq = {};
    if (method.value !== (q.method || 'auto')) dq.method = method.value;
    if (policy.value !== (q.policy || 'flag')) dq.policy = policy.value;
    for (const [k, el] of [['gold_threshold', goldThreshold], ['review_rate', reviewRate], ['review_below', reviewBelow]]) {
      if (el.value !== '' && n(el) !== q[k]) dq[k] = n(el);
    }
    // an empty gold threshold is the default, the choice field's chance level
    if (goldThreshold.value === '' && q.gold_threshold != null) dq.gold_threshold = null;
    if (Object.keys(dq).length) d.quality = dq;
    return d;
  }

  const saved = (p) => { cur = p; fill(cur); if (onChange) onChange(cur); };
  const form = h('form', { class: 'c-form q-settings', 'aria-label': 'Quality settings',
    onsubmit: patchProject(pid, { changes, save, msg, saved }) },
  h('h2', null, 'Quality settings'),
  h('div', { class: 'c-row' },
    field('Gold rate', goldRate, 'Share of served tasks that are gold (0–1).'),
    field('Max overlap', maxOverlap, 'Most labels a task may get while its confidence is low.'),
    field('Confidence target', confTarget, 'Stop adding labels once reached (empty: none).')),
  check('Qualification: new annotators answer gold tasks first', qualOn),
  h('div', { class: 'c-row' },
    field('Qualification tasks', qualTasks, 'Gold tasks to answer before real work.'),
    field('Qualification pass mark', qualPass, 'Gold accuracy needed (0–1).')),
  h('div', { class: 'c-row' },
    field('Inference method', method),
    field('Action on a flag', policy),
    field('Gold threshold', goldThreshold,
      'Flag an annotator whose gold accuracy may be below this (95% lower bound). Empty: chance, 1/options of the first choice field.')),
  h('div', { class: 'c-row' },
    field('Review rate', reviewRate, 'Share of completed tasks sampled for review.'),
    field('Review below confidence', reviewBelow, 'Tasks whose confidence is below go to review.')),
  h('div', { class: 'c-actions' }, save), msg);
  fill(project);
  return form;
}
