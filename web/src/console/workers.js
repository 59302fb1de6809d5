// workers.js: the project's "Workers" tab (GET /projects/{id}/workers): one
// row per annotator by pseudonym with annotations, gold answered / accuracy /
// lower bound, estimated skill, agreement, median seconds, status and flags.
// A row's name opens its flags with their evidence. The console is for
// owners, admins and managers, who are the quality leads (policy LEAD), so
// the tab offers suspend / reinstate (PATCH .../workers/{pseudonym}) and the
// decision on an open flag (POST /flags/{id}/decision, uphold or dismiss with
// a note); "Run detectors now" is POST /projects/{id}/quality/run.
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { pushKeys } from '../lib/keys.js';
import { errText, field, fmtTime, status } from './ui.js';
import { evidenceList, flagBadge, fmtRate, fmtScore, fmtSecs, ruleText } from './qutil.js';

const COLS = ['Annotator', 'Annotations', 'Gold answered', 'Gold accuracy', 'Lower bound', 'Skill', 'Agreement',
  'Median time', 'Status', 'Flags', ''];

/** The uphold / dismiss form of one flag; done(flag) after a decision. */
export function decisionForm(flag, who, msg, done) {
  const note = h('input', { type: 'text', maxlength: '2000', autocomplete: 'off', placeholder: 'Why (shown to the annotator)' });
  const decide = (decision) => async () => {
    for (const b of buttons) b.disabled = true;
    try {
      const body = { decision };
      if (note.value.trim()) body.note = note.value.trim();
      const f = await api('POST', `/api/v1/flags/${encodeURIComponent(flag.id)}/decision`, body);
      msg.set(`${decision === 'uphold' ? 'Upheld' : 'Dismissed'} the ${ruleText(flag.rule)} flag of ${who}.`, 'ok');
      done(f);
    } catch (e) { msg.set(errText(e), 'error'); for (const b of buttons) b.disabled = false; }
  };
  const buttons = [
    h('button', { type: 'button', class: 'danger', 'aria-label': `Uphold the ${ruleText(flag.rule)} flag of ${who}`, onclick: decide('uphold') }, 'Uphold'),
    h('button', { type: 'button', 'aria-label': `Dismiss the ${ruleText(flag.rule)} flag of ${who}`, onclick: decide('dismiss') }, 'Dismiss'),
  ];
  return h('div', { class: 'q-decide' }, field(`Decision note for ${who}`, note), buttons);
}

/** One flag: rule, score, when, status, evidence, the appeal if any, and the
 *  decision form while it is open (lead = may decide). */
export function flagCard(flag, who, { lead, msg, onDecided }) {
  const d = flag.decision;
  return h('article', { class: 'q-flag', 'aria-label': `Flag ${ruleText(flag.rule)} of ${who}`, dataset: { flagId: flag.id } },
    h('header', null, h('h4', null, ruleText(flag.rule)), flagBadge(flag.status),
      h('span', { class: 'muted' }, `score ${fmtScore(flag.score)}`),
      h('span', { class: 'muted' }, fmtTime(flag.created_at))),
    evidenceList(flag.evidence),
    flag.appeal && h('div', null, h('strong', null, 'Appeal'),
      flag.appeal.created_at && h('span', { class: 'muted' }, ' · ' + fmtTime(flag.appeal.created_at)),
      h('p', { class: 'q-appeal' }, String(flag.appeal.text ?? ''))),
    d && typeof d === 'object' && d.note && h('p', { class: 'muted' }, `Decision note: ${d.note}`),
    lead && flag.status === 'open' && decisionForm(flag, who, msg, onDecided));
}

export function workersTab(root, project) {
  const pid = encodeURIComponent(project.id);
  const msg = status();
  const tbody = h('tbody');
  const runBtn = h('button', { type: 'button', onclick: () => runDetectors() }, 'Run detectors now');
  const refreshBtn = h('button', { type: 'button', onclick: () => load() }, 'Refresh');
  const onlyFlagged = h('input', { type: 'checkbox', id: 'workers-flagged' });
  const opened = new Set(); // pseudonyms whose flags are shown
  let workers = [];

  mount(root,
    h('div', { class: 'c-toolbar' },
      h('div', { class: 'c-field c-check' }, onlyFlagged, h('label', { for: 'workers-flagged' }, 'Only annotators with open flags')),
      h('div', { class: 'c-actions' }, refreshBtn, runBtn)),
    msg,
    h('table', { class: 'c-grid workers', 'aria-label': 'Workers' },
      h('thead', null, h('tr', null, COLS.map((t, i) => h('th', { scope: 'col', class: i > 0 && i < 8 ? 'num' : null }, t)))),
      tbody));

  function rows(w) {
    const who = String(w.annotator);
    const flags = Array.isArray(w.flags) ? w.flags : [];
    const open = flags.filter((f) => f.status === 'open').length;
    const isOpen = opened.has(who);
    const g = w.gold || {};
    const suspended = w.status === 'suspended';
    const toggle = h('button', { type: 'button', class: 'q-open', 'aria-expanded': String(isOpen),
      'aria-label': `${who}: ${isOpen ? 'hide' : 'show'} flags and evidence`, onclick: () => {
        if (opened.has(who)) opened.delete(who); else opened.add(who);
        draw();
      } }, who);
    const act = h('button', { type: 'button', class: suspended ? null : 'danger',
      'aria-label': `${suspended ? 'Reinstate' : 'Suspend'} ${who}`, onclick: () => setStatus(w, suspended ? 'active' : 'suspended', act) },
    suspended ? 'Reinstate' : 'Suspend');
    const tr = h('tr', { dataset: { annotator: who }, class: suspended ? 'disabled' : null },
      h('th', { scope: 'row' }, toggle),
      h('td', { class: 'num' }, String(w.annotations ?? 0)),
      h('td', { class: 'num' }, String(g.answered ?? 0)),
      h('td', { class: 'num' }, fmtRate(g.accuracy)),
      h('td', { class: 'num' }, fmtRate(g.lower_bound)),
      h('td', { class: 'num' }, fmtScore(w.skill)),
      h('td', { class: 'num' }, fmtScore(w.agreement)),
      h('td', { class: 'num' }, fmtSecs(w.median_seconds)),
      h('td', { class: suspended ? 'q-status-suspended' : null }, String(w.status ?? 'active')),
      h('td', null, flags.length ? `${flags.length} (${open} open)` : '–'),
      h('td', null, act));
    if (!isOpen) return [tr];
    const detail = h('tr', { class: 'q-detail' }, h('td', { colspan: String(COLS.length) },
      flags.length
        ? h('div', { class: 'q-flags', 'aria-label': `Flags of ${who}` },
          flags.map((f) => flagCard(f, who, { lead: true, msg, onDecided: () => load() })))
        : h('p', { class: 'muted' }, `${who} has no flags.`)));
    return [tr, detail];
  }

  function draw() {
    const shown = onlyFlagged.checked ? workers.filter((w) => (w.flags || []).some((f) => f.status === 'open')) : workers;
    mount(tbody, shown.length ? shown.map(rows)
      : h('tr', null, h('td', { colspan: String(COLS.length), class: 'empty' },
        workers.length ? 'No annotator has an open flag.' : 'No annotator has labeled this project yet.')));
  }

  async function load() {
    try {
      const r = await api('GET', `/api/v1/projects/${pid}/workers`);
      if (!root.isConnected) return;
      workers = Array.isArray(r.workers) ? r.workers : [];
      draw();
    } catch (e) {
      msg.set(e.status === 404 || e.status === 405 ? 'Worker scores are not available on this server.' : errText(e), 'error');
    }
  }

  async function setStatus(w, to, btn) {
    btn.disabled = true;
    try {
      await api('PATCH', `/api/v1/projects/${pid}/workers/${encodeURIComponent(w.annotator)}`, { status: to });
      msg.set(`${w.annotator} is ${to === 'active' ? 'reinstated' : 'suspended'}.`, 'ok');
      await load();
    } catch (e) { btn.disabled = false; msg.set(errText(e), 'error'); }
  }

  async function runDetectors() {
    runBtn.disabled = true;
    try {
      await api('POST', `/api/v1/projects/${pid}/quality/run`);
      msg.set('Detectors ran.', 'ok');
      await load();
    } catch (e) { msg.set(errText(e), 'error'); } finally { runBtn.disabled = false; }
  }

  onlyFlagged.addEventListener('change', draw);
  const dropKeys = pushKeys('workers', [
    { key: 'r', label: 'Refresh the workers table', run: () => load() },
    { key: 'f', label: 'Show only annotators with open flags (toggle)', run: () => { onlyFlagged.checked = !onlyFlagged.checked; draw(); } },
  ]);
  load();
  return dropKeys;
}
