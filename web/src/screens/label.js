// screens/label.js: the labeling loop (#/p/ID/label). Lease a task (POST
// /projects/{id}/next), show it with the labeling form (model pre-labels
// as an editable start), submit (Ctrl+Enter) and show the next task in
// place: same document, same URL. Skip with a reason (releases the lease),
// instructions on `i`, the lease's time left counting down (a new task
// when it runs out), and "All done" when next answers 204.
//
// A submit survives a flaky network: a network error, 5xx or 429 is
// retried with backoff with the SAME lease and result; the server answers a
// retry of a submission it already stored with that annotation (201, same
// id), so a lost answer never becomes a second annotation.
import { h, mount } from '../lib/dom.js';
import { api, ApiError } from '../lib/api.js';
import { route } from '../lib/router.js';
import { pushKeys } from '../lib/keys.js';
import { renderForm, widgetsReady } from '../form.js';
import { markdownEl } from '../views.js';
import { askSkipReason } from './skip.js';
import { clock, liveness, sleep } from './util.js';

route('/p/:id/label', (root, { id }) => {
  const life = liveness();
  const loop = new LabelingLoop(root, id, life);
  loop.start();
  return () => { life.stop(); loop.stop(); };
});

const pid = (id) => encodeURIComponent(id);

class LabelingLoop {
  constructor(root, projectId, life) {
    this.root = root;
    this.id = projectId;
    this.life = life;
    this.done = 0;
    this.lease = null;
    this.form = null;
    this.busy = false;
    this.paused = false; // a dialog is open: the task's keys rest
    this.removers = [];
    this.removeTaskKeys = () => {};
  }

  async start() {
    mount(this.root, h('p', { class: 'loading' }, 'Loading the project…'));
    let project;
    try {
      [project] = await Promise.all([api('GET', `/api/v1/projects/${pid(this.id)}`), widgetsReady]);
    } catch (e) {
      if (!this.life.alive()) return;
      mount(this.root, h('section', { class: 'empty' }, h('h1', null, 'Not available'),
        h('p', null, e.status === 404 || e.status === 403 ? 'This project does not exist or you are not a member.' : e.message),
        h('a', { href: '#/' }, 'Back to your projects')));
      return;
    }
    if (!this.life.alive()) return;
    this.project = project;
    this.layout();
    const live = () => !this.paused;
    this.removers.push(pushKeys('labeling', [
      { key: 'Ctrl+Enter', label: 'Submit and go to the next task', when: live, run: () => this.submit() },
      { key: 'i', label: 'Show or hide the instructions', when: live, run: () => this.toggleInstructions() },
      { key: 's', label: 'Skip this task (with a reason)', when: live, run: () => this.skip() },
    ]));
    this.timer = setInterval(() => this.tick(), 1000);
    await this.next();
  }

  stop() {
    clearInterval(this.timer);
    this.removeTaskKeys();
    this.removers.forEach((r) => r());
    this.form?.destroy();
  }

  layout() {
    const p = this.project;
    this.progress = h('span', { class: 'progress', 'aria-live': 'polite' }, '0 done this session');
    this.timerEl = h('span', { class: 'lease-timer', role: 'timer', 'aria-label': 'Time left on this task' });
    this.status = h('p', { class: 'status', role: 'status' });
    this.instrButton = h('button', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'instructions',
      onclick: () => this.toggleInstructions() }, 'Instructions ', h('kbd', null, 'i'));
    this.skipButton = h('button', { type: 'button', onclick: () => this.skip() }, 'Skip ', h('kbd', null, 's'));
    this.submitButton = h('button', { type: 'button', class: 'primary', onclick: () => this.submit() }, 'Submit ', h('kbd', null, 'Ctrl+Enter'));
    this.instructions = h('aside', { id: 'instructions', class: 'instructions', hidden: true, 'aria-label': 'Instructions' },
      h('div', { class: 'instr-head' }, h('h2', null, 'Instructions'),
        h('button', { type: 'button', class: 'link', onclick: () => this.toggleInstructions(false) }, 'Close')),
      p.instructions ? markdownEl(p.instructions, 'v-markdown instr-body') : h('p', { class: 'muted' }, 'This project has no instructions.'));
    // Focusable so that each new task takes the focus: Tab then walks its fields.
    this.taskEl = h('div', { class: 'task', 'aria-label': 'Task', tabindex: '-1' });
    this.prelabel = h('p', { class: 'prelabel', hidden: true });
    this.bar = h('div', { class: 'lbar' },
      h('h1', { class: 'pname' }, p.name), this.progress, this.timerEl,
      h('div', { class: 'actions' }, this.instrButton, this.skipButton, this.submitButton));
    this.body = h('div', { class: 'lbody' }, h('div', { class: 'lmain' }, this.prelabel, this.taskEl), this.instructions);
    mount(this.root, h('section', { class: 'labeling' }, this.bar, this.status, this.body));
  }

  say(text, kind = 'info') {
    this.status.textContent = text;
    this.status.className = 'status ' + kind;
  }

  toggleInstructions(show) {
    const open = show ?? this.instructions.hidden;
    this.instructions.hidden = !open;
    this.instrButton.setAttribute('aria-expanded', String(open));
    this.body.classList.toggle('with-instructions', open);
  }

  /** Lease the next task and show it in place of the current one. */
  async next() {
    let lease;
    for (let attempt = 0; ; attempt++) {
      try {
        lease = await api('POST', `/api/v1/projects/${pid(this.id)}/next`);
        break;
      } catch (e) {
        if (!this.life.alive()) return;
        if (e instanceof ApiError && (e.code === 'not_qualified' || e.code === 'suspended')) { this.refused(e); return; }
        if (e instanceof ApiError && e.status < 500 && e.status !== 429) { this.say('Could not get a task: ' + e.message, 'error'); return; }
        this.say('The server cannot be reached; trying again…', 'warn');
        await sleep(Math.min(8000, 500 * 2 ** attempt));
        if (!this.life.alive()) return;
      }
    }
    if (!this.life.alive()) return;
    if (!lease) { this.allDone(); return; }
    this.show(lease);
  }

  show(lease) {
    this.lease = lease;
    this.expires = Date.parse(lease.lease.expires_at);
    this.removeTaskKeys();
    this.form?.destroy();
    const preds = lease.task.predictions || [];
    const pred = preds[preds.length - 1]; // the newest model's answer
    this.form = renderForm(this.taskEl, {
      schema: this.project.schema, data: lease.task.data, initial: pred ? pred.result : undefined,
    });
    this.taskEl.dataset.taskId = lease.task.id;
    this.taskEl.dataset.leaseId = lease.lease.id;
    this.prelabel.hidden = !pred;
    this.prelabel.textContent = pred ? `Pre-filled by the model ${pred.model}: check it and correct what is wrong.` : '';
    const live = () => !this.paused;
    this.removeTaskKeys = pushKeys('task', this.form.keys.map((b) => ({ ...b, when: () => live() && (!b.when || b.when()) })));
    this.tick();
    if (!this.paused && !this.instructions.contains(document.activeElement)) this.taskEl.focus({ preventScroll: true });
    // For tests and timing: the task is in the page.
    dispatchEvent(new CustomEvent('tally:task', { detail: { task: lease.task.id } }));
  }

  tick() {
    if (!this.lease) { this.timerEl.textContent = ''; return; }
    const left = this.expires - Date.now();
    this.timerEl.textContent = `${clock(left)} left`;
    this.timerEl.classList.toggle('low', left < 60000);
    if (left <= 0 && !this.busy) {
      this.lease = null;
      this.say('Your time on that task ran out and it went back to the queue. Here is a new one.', 'warn');
      this.next();
    }
  }

  allDone() {
    this.lease = null;
    this.removeTaskKeys();
    this.form?.destroy();
    this.form = null;
    this.tick();
    this.prelabel.hidden = true;
    this.say('');
    this.submitButton.disabled = true;
    this.skipButton.disabled = true;
    mount(this.taskEl, h('div', { class: 'empty done', role: 'status' },
      h('h2', null, 'All done'),
      h('p', null, this.done
        ? `Nothing is left for you in this project. You labeled ${this.done} task${this.done === 1 ? '' : 's'} in this session.`
        : 'Nothing is left for you in this project.'),
      h('p', null, h('a', { href: '#/' }, 'Back to your projects'))));
  }

  /** The server will not hand this annotator tasks: they failed the
   *  qualification (not_qualified) or are suspended. Its message says why
   *  (the score and the pass mark); the flags and the appeal form are on
   *  their own page. */
  refused(e) {
    this.allDone();
    const suspended = e.code === 'suspended';
    mount(this.taskEl, h('div', { class: 'refusal', role: 'alert', dataset: { refusal: e.code } },
      h('h2', null, suspended ? 'You are suspended from this project' : 'You did not pass the qualification'),
      h('p', null, e.message),
      h('p', null, suspended
        ? 'No tasks will be served to you here until a project lead reinstates you. You can appeal the flag behind it on your own page.'
        : 'This project needs its qualification tasks answered well enough before real work. Ask the project manager if you think this is wrong.'),
      h('p', null, suspended && [h('a', { href: '#/me' }, 'See your flags and appeal'), ' · '],
        h('a', { href: '#/' }, 'Back to your projects'))));
  }

  async submit() {
    if (this.busy || !this.lease || !this.form) return;
    const problem = this.form.validate();
    if (problem) { this.say(problem, 'error'); return; }
    const lease = this.lease;
    const body = { lease_id: lease.lease.id, result: this.form.get() };
    this.busy = true;
    this.submitButton.disabled = true;
    try {
      await this.post(lease.task.id, body);
      this.done++;
      this.progress.textContent = `${this.done} done this session`;
      this.say('');
      await this.next();
    } catch (e) {
      if (!this.life.alive()) return;
      if (e.status === 409) {
        this.say('That task\'s lease had run out, or the task was completed meanwhile, so the answer was not stored. Here is the next one.', 'warn');
        await this.next();
      } else if (e.status === 422 || e.status === 400) {
        this.say('The server refused the answer: ' + e.message, 'error');
      } else {
        this.say('Could not save the answer (' + e.message + '). It is still here: press Ctrl+Enter to try again.', 'error');
      }
    } finally {
      this.busy = false;
      if (this.submitButton) this.submitButton.disabled = !this.lease;
    }
  }

  /** POST the annotation; transient failures are retried with the same
   *  body until the lease is long gone. */
  async post(taskId, body) {
    const deadline = this.expires + 60000;
    for (let attempt = 0; ; attempt++) {
      try {
        return await api('POST', `/api/v1/tasks/${pid(taskId)}/annotations`, body);
      } catch (e) {
        const transient = !(e instanceof ApiError) || e.status >= 500 || e.status === 429;
        if (!transient || !this.life.alive() || Date.now() > deadline) throw e;
        this.say(`Saving is taking a moment (network trouble); retrying… (attempt ${attempt + 2})`, 'warn');
        await sleep(Math.min(8000, 300 * 2 ** attempt));
      }
    }
  }

  async skip() {
    if (this.busy || !this.lease) return;
    const lease = this.lease;
    this.paused = true;
    let reason;
    try { reason = await askSkipReason(); } finally { this.paused = false; }
    // The lease may have run out (and been replaced) while the dialog was open.
    if (!reason || this.lease !== lease || !this.life.alive()) return;
    this.busy = true;
    try {
      await api('POST', `/api/v1/leases/${pid(lease.lease.id)}/release`, { reason });
      this.say('Skipped.', 'info');
    } catch (e) {
      this.say(e.status === 409 ? 'That task\'s lease had already run out.' : 'Could not skip: ' + e.message, 'warn');
    } finally { this.busy = false; }
    await this.next();
  }
}
