// screens/review.js: the review queue. Reviewers are not console users
// (tenant role reviewer, or a project member with role reviewer), so these
// are annotator-side routes, open to any signed-in user; the server decides
// (policy REVIEW) and the page shows its refusal.
//
// #/review lists the projects the caller may review. #/p/ID/review takes
// the next item (POST /projects/{id}/reviews/next, claimed by the caller;
// 204 = nothing to review) and shows the task drawn read-only once per
// annotation (each by its annotator's pseudonym) and once with the
// aggregate and its confidence per field. The reviewer accepts (a), rejects
// the annotations they tick (1-9 tick, r rejects), or corrects (c opens the
// project's widgets editable, prefilled with the aggregate; Ctrl+Enter
// sends, Escape closes): POST /reviews/{id}. The next item follows in place.
import { h, mount } from '../lib/dom.js';
import { api, currentUser } from '../lib/api.js';
import { route } from '../lib/router.js';
import { pushKeys } from '../lib/keys.js';
import { renderForm, widgetsReady } from '../form.js';
import { fmtRate } from '../console/qutil.js';
import { liveness } from './util.js';

const REASONS = { sampled: 'sampled at random', low_confidence: 'low confidence', flagged_annotator: 'flagged annotator' };
const REVIEW_ROLES = ['owner', 'admin', 'manager', 'reviewer'];

/** Whether the user may review something: a staff or reviewer tenant role,
 *  or a reviewer membership of some project. */
export const mayReview = (u) => !!u && (REVIEW_ROLES.includes(u.role) || (u.projects || []).some((p) => p.role === 'reviewer'));

route('/review', (root) => {
  const life = liveness();
  mount(root, h('p', { class: 'loading' }, 'Loading…'));
  (async () => {
    let list;
    try { list = await api('GET', '/api/v1/projects'); } catch (e) {
      if (life.alive()) mount(root, h('p', { class: 'error', role: 'alert' }, 'Could not load the projects: ' + e.message));
      return;
    }
    if (!life.alive()) return;
    const u = currentUser();
    const all = (Array.isArray(list) ? list : list.projects) || [];
    const mine = REVIEW_ROLES.includes(u?.role) ? all : all.filter((p) => p.member_role === 'reviewer');
    mount(root, h('section', { class: 'home' }, h('h1', null, 'Review'),
      mine.length
        ? h('ul', { class: 'projects', 'aria-label': 'Projects to review' }, mine.map((p) => h('li', { class: 'project-card' },
          h('a', { class: 'project-name', href: `#/p/${encodeURIComponent(p.id)}/review` }, p.name))))
        : h('p', { class: 'empty' }, 'You review no project.')));
  })();
  return () => life.stop();
});

route('/p/:id/review', (root, { id }) => {
  const life = liveness();
  const q = new ReviewQueue(root, id, life);
  q.start();
  return () => { life.stop(); q.stop(); };
});

class ReviewQueue {
  constructor(root, id, life) {
    Object.assign(this, { root, id, life, item: null, forms: [], editor: null, busy: false, done: 0 });
    this.pid = encodeURIComponent(id);
    this.dropKeys = () => {};
    this.dropEditorKeys = () => {};
  }

  async start() {
    mount(this.root, h('p', { class: 'loading' }, 'Loading the project…'));
    try {
      [this.project] = await Promise.all([api('GET', `/api/v1/projects/${this.pid}`), widgetsReady]);
    } catch (e) {
      if (this.life.alive()) this.refuse(e);
      return;
    }
    if (!this.life.alive()) return;
    this.status = h('p', { class: 'status', role: 'status' });
    this.count = h('span', { class: 'muted', 'aria-live': 'polite' }, '0 reviewed this session');
    this.btn = {
      accept: h('button', { type: 'button', class: 'primary', onclick: () => this.decide('accept') }, 'Accept ', h('kbd', null, 'a')),
      reject: h('button', { type: 'button', class: 'danger', onclick: () => this.decide('reject') }, 'Reject selected ', h('kbd', null, 'r')),
      correct: h('button', { type: 'button', onclick: () => this.openEditor() }, 'Correct ', h('kbd', null, 'c')),
    };
    this.body = h('div', { class: 'ritem', 'aria-label': 'Review item', tabindex: '-1' });
    mount(this.root, h('section', { class: 'review' },
      h('div', { class: 'rbar' }, h('h1', null, `Review: ${this.project.name}`), this.count,
        h('div', { class: 'c-actions' }, Object.values(this.btn))),
      this.status, this.body));
    const idle = () => !!this.item && !this.editor && !this.busy;
    this.dropKeys = pushKeys('review', [
      { key: 'a', label: 'Accept the aggregate', when: idle, run: () => this.decide('accept') },
      { key: 'r', label: 'Reject the selected annotations', when: idle, run: () => this.decide('reject') },
      { key: 'c', label: 'Correct: edit the answer (prefilled with the aggregate)', when: idle, run: () => this.openEditor() },
      ...Array.from({ length: 9 }, (_, i) => ({ key: String(i + 1), label: `Select annotation ${i + 1} for rejection (toggle)`,
        when: () => idle() && !!this.ticks?.[i], run: () => { this.ticks[i].checked = !this.ticks[i].checked; this.marked(); } })),
    ]);
    await this.next();
  }

  stop() {
    this.dropKeys();
    this.closeEditor();
    this.clearForms();
  }

  refuse(e) {
    mount(this.root, h('section', { class: 'empty' }, h('h1', null, 'Not available'),
      h('p', null, e.status === 404 || e.status === 403 ? 'This project does not exist or you do not review it.' : e.message),
      h('a', { href: '#/' }, 'Back to your projects')));
  }

  say(text, kind = 'info') { this.status.textContent = text; this.status.className = 'status ' + kind; }

  clearForms() {
    for (const f of this.forms) { try { f.destroy(); } catch { /* already gone */ } }
    this.forms = [];
  }

  setButtons() {
    const on = !!this.item && !this.busy;
    this.btn.accept.disabled = !on || !!this.editor;
    this.btn.correct.disabled = !on || !!this.editor;
    this.btn.reject.disabled = !on || !!this.editor || !this.ticks?.some((t) => t.checked);
  }

  async next() {
    this.closeEditor();
    this.clearForms();
    this.item = null;
    let item;
    try {
      item = await api('POST', `/api/v1/projects/${this.pid}/reviews/next`);
    } catch (e) {
      if (!this.life.alive()) return;
      if (e.status === 403 || e.status === 404) { this.refuse(e); return; }
      this.say('Could not get an item to review: ' + e.message, 'error');
      this.setButtons();
      return;
    }
    if (!this.life.alive()) return;
    if (!item) {
      this.setButtons();
      mount(this.body, h('div', { class: 'empty done', role: 'status' }, h('h2', null, 'Nothing to review'),
        h('p', null, this.done ? `You reviewed ${this.done} item${this.done === 1 ? '' : 's'} in this session.` : 'The review queue is empty.'),
        h('p', null, h('button', { type: 'button', onclick: () => this.next() }, 'Check again'))));
      return;
    }
    this.show(item);
  }

  /** A card with the task drawn read-only and `result` filled in. */
  drawn(title, result, extra = []) {
    const box = h('div', { class: 'readonly-form' });
    const cardEl = h('article', { class: 'c-card annotation', 'aria-label': title }, h('header', null, h('h2', null, title), extra), box);
    try {
      this.forms.push(renderForm(box, { schema: this.project.schema, data: this.item.data, readOnly: true, initial: result }));
    } catch (e) {
      box.append(h('p', { class: 'error' }, 'Cannot draw this result: ' + e.message), h('pre', { class: 'code' }, JSON.stringify(result, null, 2)));
    }
    return cardEl;
  }

  show(item) {
    this.item = item;
    const anns = Array.isArray(item.annotations) ? item.annotations : [];
    const agg = item.aggregate;
    const conf = agg && agg.confidence && typeof agg.confidence === 'object' ? Object.entries(agg.confidence) : [];
    const aggCard = agg
      ? this.drawn(`Aggregate (${agg.method || 'inferred'})`, agg.result,
        [h('span', { class: 'reason' }, REASONS[item.reason] || String(item.reason ?? ''))])
      : h('article', { class: 'c-card', 'aria-label': 'Aggregate' }, h('header', null, h('h2', null, 'Aggregate'),
        h('span', { class: 'reason' }, REASONS[item.reason] || String(item.reason ?? ''))),
      h('p', { class: 'muted' }, 'No aggregate yet for this task.'));
    if (conf.length) aggCard.append(h('p', { class: 'conf' }, 'Confidence: ' + conf.map(([k, v]) => `${k} ${fmtRate(v)}`).join(' · ')));
    this.ticks = [];
    const cards = anns.map((a, i) => {
      const who = String(a.annotator ?? 'imported');
      const tick = h('input', { type: 'checkbox', 'aria-label': `Reject annotation ${i + 1} by ${who}`, dataset: { annotationId: a.id } });
      tick.addEventListener('change', () => this.marked());
      this.ticks.push(tick);
      const c = this.drawn(`Annotation ${i + 1} by ${who}`, a.result,
        [h('label', { class: 'c-check' }, tick, ' Reject', i < 9 && h('kbd', { 'aria-hidden': 'true' }, String(i + 1)))]);
      tick.card = c;
      return c;
    });
    this.editorBox = h('div', { class: 'rcol' });
    mount(this.body,
      h('div', { class: 'rcol' }, aggCard, this.editorBox),
      h('div', { class: 'rcol' }, cards.length ? cards : h('p', { class: 'muted' }, 'This task has no annotations.')));
    this.say('');
    this.setButtons();
    this.body.dataset.reviewId = item.id;
    this.body.focus({ preventScroll: true });
    dispatchEvent(new CustomEvent('tally:review', { detail: { review: item.id } }));
  }

  marked() {
    for (const t of this.ticks) t.card.classList.toggle('rejecting', t.checked);
    this.setButtons();
  }

  openEditor() {
    if (!this.item || this.editor || this.busy) return;
    const agg = this.item.aggregate;
    const start = agg?.result ?? this.item.annotations?.[0]?.result;
    const box = h('div', { class: 'readonly-form' });
    const send = h('button', { type: 'button', class: 'primary', onclick: () => this.decide('correct') }, 'Send correction ', h('kbd', null, 'Ctrl+Enter'));
    const cancel = h('button', { type: 'button', onclick: () => this.closeEditor() }, 'Cancel ', h('kbd', null, 'Esc'));
    const cardEl = h('article', { class: 'c-card editor', 'aria-label': 'Correction' },
      h('header', null, h('h2', null, 'Correction'), h('span', { class: 'muted' }, 'Prefilled with the aggregate: change what is wrong.')),
      box, h('div', { class: 'c-actions' }, send, cancel));
    mount(this.editorBox, cardEl);
    this.editor = renderForm(box, { schema: this.project.schema, data: this.item.data, initial: start });
    const removeForm = pushKeys('correction', this.editor.keys);
    const removeOwn = pushKeys('correction actions', [
      { key: 'Ctrl+Enter', label: 'Send the correction', run: () => this.decide('correct') },
      { key: 'Escape', label: 'Close the correction without sending', allowInInput: true, run: () => this.closeEditor() },
    ]);
    this.dropEditorKeys = () => { removeOwn(); removeForm(); };
    this.setButtons();
    (box.querySelector('input, select, textarea, button, [tabindex]') || box).focus?.();
  }

  closeEditor() {
    this.dropEditorKeys();
    this.dropEditorKeys = () => {};
    if (this.editor) { try { this.editor.destroy(); } catch { /* gone */ } }
    this.editor = null;
    if (this.editorBox) this.editorBox.replaceChildren();
    if (this.btn) this.setButtons();
  }

  async decide(decision) {
    if (!this.item || this.busy) return;
    const body = { decision };
    if (decision === 'reject') {
      const ids = this.ticks.filter((t) => t.checked).map((t) => t.dataset.annotationId);
      if (!ids.length) { this.say('Tick the annotations to reject first (1–9).', 'error'); return; }
      body.annotations = ids;
    } else if (decision === 'correct') {
      if (!this.editor) return;
      const problem = this.editor.validate();
      if (problem) { this.say(problem, 'error'); return; }
      body.result = this.editor.get();
    }
    this.busy = true;
    this.setButtons();
    try {
      await api('POST', `/api/v1/reviews/${encodeURIComponent(this.item.id)}`, body);
      this.done++;
      this.count.textContent = `${this.done} reviewed this session`;
      this.say({ accept: 'Accepted.', reject: `Rejected ${body.annotations?.length} annotation${body.annotations?.length === 1 ? '' : 's'}.`,
        correct: 'Correction saved.' }[decision], 'info');
      this.busy = false;
      await this.next();
    } catch (e) {
      this.say(`Could not save the decision: ${e.message}`, 'error');
    } finally { this.busy = false; if (this.life.alive()) this.setButtons(); }
  }
}
