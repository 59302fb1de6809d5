// task-view.js: #/manage/p/:id/task/:task, one task as the data browser
// opens it: its data, then every annotation and prediction drawn by the
// same form annotators use, read-only (renderForm(..., readOnly: true,
// initial: result)), each with who made it and when. Annotators appear as
// the server names them (pseudonyms), as text.
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { renderForm } from '../form.js';
import { errText, fmtTime } from './ui.js';

export async function taskScreen(root, { id, task }) {
  const pid = encodeURIComponent(id);
  const back = h('a', { href: `#/manage/p/${pid}/data` }, '← Back to data');
  let project, t;
  try {
    [project, t] = await Promise.all([
      api('GET', `/api/v1/projects/${pid}`),
      api('GET', `/api/v1/tasks/${encodeURIComponent(task)}`),
    ]);
    if (t.project_id && t.project_id !== project.id) throw Object.assign(new Error('not in this project'), { status: 404 });
  } catch (e) {
    mount(root, h('section', { class: 'empty' }, h('h1', null, 'Task not available'),
      h('p', { role: 'alert' }, errText(e)), back));
    return;
  }
  const forms = [];
  const draw = (title, meta, result) => {
    const box = h('div', { class: 'readonly-form' });
    const card = h('article', { class: 'c-card annotation', 'aria-label': title },
      h('header', null, h('h3', null, title), h('span', { class: 'muted' }, meta)), box);
    try {
      forms.push(renderForm(box, { schema: project.schema, data: t.data, readOnly: true, initial: result }));
    } catch (e) {
      box.append(h('p', { class: 'error' }, 'Cannot draw this result: ' + e.message),
        h('pre', { class: 'code' }, JSON.stringify(result, null, 2)));
    }
    return card;
  };
  const anns = t.annotations || [];
  const preds = t.predictions || [];
  mount(root, h('section', { class: 'console task-view' },
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/manage' }, 'Projects'), ' / ',
      h('a', { href: `#/manage/p/${pid}` }, project.name), ' / ', h('a', { href: `#/manage/p/${pid}/data` }, 'Data'), ' / Task'),
    h('div', { class: 'c-head' }, h('h1', null, 'Task'),
      h('span', { class: `c-state ${t.state}` }, t.state), h('span', { class: 'muted mono' }, t.id), back),
    h('h2', null, 'Data'),
    h('pre', { class: 'code data-json', 'aria-label': 'Task data' }, JSON.stringify(t.data, null, 2)),
    h('h2', null, `Annotations (${anns.length})`),
    anns.length ? anns.map((a) => draw(
      a.annotator ? `Annotation by ${a.annotator}` : `Imported annotation${a.source ? ' (' + a.source + ')' : ''}`,
      fmtTime(a.created_at), a.result)) : h('p', { class: 'muted' }, 'No annotations yet.'),
    preds.length > 0 && h('h2', null, `Predictions (${preds.length})`),
    preds.map((p) => draw(`Prediction by ${p.model}`, p.score != null ? `score ${p.score}` : '', p.result))));
  return () => forms.forEach((f) => { try { f.destroy(); } catch { /* gone */ } });
}
