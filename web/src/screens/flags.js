// screens/flags.js: an annotator's own quality flags on their page (#/me):
// GET /api/v1/me/flags lists them (rule, score, evidence stripped by the
// server of other people and of gold answers, status, appeal, decision),
// and an open flag not yet appealed gets the appeal form (POST
// /api/v1/flags/{id}/appeal, 1 to 2,000 characters). A decided flag shows
// the lead's decision and note.
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { evidenceList, flagBadge, fmtScore, ruleText } from '../console/qutil.js';

const MAX = 2000;
const when = (t) => (t ? new Date(t).toLocaleString() : '');

/** The "Quality flags" section: returns its element at once and fills it. */
export function flagsSection() {
  const body = h('div', { class: 'q-flags' }, h('p', { class: 'loading' }, 'Loading your flags…'));
  const section = h('section', { class: 'my-flags', 'aria-label': 'Quality flags' }, h('h2', null, 'Quality flags'), body);
  load();
  return section;

  async function load() {
    let flags;
    try { flags = (await api('GET', '/api/v1/me/flags')).flags || []; } catch (e) {
      mount(body, h('p', { class: 'note', role: 'status' }, e.status === 404
        ? 'Quality flags are not available on this server yet.' : 'Could not load your flags: ' + e.message));
      return;
    }
    mount(body, flags.length ? flags.map(card)
      : h('p', { class: 'muted' }, 'No flags: nothing in your work has been questioned.'));
  }

  function card(f) {
    const d = f.decision && typeof f.decision === 'object' ? f.decision : null;
    const decided = f.status !== 'open';
    return h('article', { class: 'q-flag', 'aria-label': `Flag: ${ruleText(f.rule)} in ${f.project_name ?? 'a project'}`, dataset: { flagId: f.id } },
      h('header', null, h('h3', null, ruleText(f.rule)), flagBadge(f.status),
        h('span', { class: 'muted' }, String(f.project_name ?? '')),
        h('span', { class: 'muted' }, `score ${fmtScore(f.score)}`), h('span', { class: 'muted' }, when(f.created_at))),
      evidenceList(f.evidence),
      f.appeal && h('div', null, h('strong', null, 'Your appeal'),
        f.appeal.created_at && h('span', { class: 'muted' }, ' · ' + when(f.appeal.created_at)),
        h('p', { class: 'q-appeal' }, String(f.appeal.text ?? ''))),
      decided && h('p', null, h('strong', null, f.status === 'dismissed' ? 'Dismissed' : 'Upheld'),
        d?.note ? `: ${d.note}` : '', f.status === 'dismissed' ? ' (the flag no longer counts against you)' : ''),
      !decided && !f.appeal && appealForm(f),
      !decided && f.appeal && h('p', { class: 'muted' }, 'Your appeal is waiting for a decision.'));
  }

  function appealForm(f) {
    const id = `appeal-${f.id}`;
    const text = h('textarea', { id, rows: '3', maxlength: String(MAX), required: true });
    const left = h('small', { class: 'muted' }, `${MAX} characters left`);
    const err = h('p', { class: 'error', role: 'alert' });
    const send = h('button', { type: 'submit', class: 'primary' }, 'Send appeal');
    text.addEventListener('input', () => { left.textContent = `${MAX - text.value.length} characters left`; });
    return h('form', { class: 'appeal', 'aria-label': `Appeal the ${ruleText(f.rule)} flag`, onsubmit: async (ev) => {
      ev.preventDefault();
      const t = text.value.trim();
      if (!t) { err.textContent = 'Say why the flag is wrong.'; text.focus(); return; }
      send.disabled = true; err.textContent = '';
      try {
        await api('POST', `/api/v1/flags/${encodeURIComponent(f.id)}/appeal`, { text: t });
        await load();
      } catch (e) { err.textContent = 'Could not send the appeal: ' + e.message; send.disabled = false; }
    } },
    h('label', { for: id }, 'Appeal: why is this flag wrong?'), text, left, err, h('div', null, send));
  }
}
