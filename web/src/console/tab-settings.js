// tab-settings.js: the project's settings (PATCH /projects/{id}, sending
// only what changed, since a new overlap makes the server recompute which
// tasks are complete) and, for owners and admins, deletion behind the
// project's name typed in full: deleting is immediate and cannot be undone.
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { go } from '../lib/router.js';
import { check, errText, field, isAdmin, patchProject, status } from './ui.js';

export function settingsTab(root, project, { onChange } = {}) {
  let cur = project;
  const pid = encodeURIComponent(project.id);
  const name = h('input', { type: 'text', maxlength: '200', required: true });
  const instructions = h('textarea', { rows: '6' });
  const overlap = h('input', { type: 'number', min: '1', max: '100' });
  const lease = h('input', { type: 'number', min: '1', max: '604800' });
  const maxLeases = h('input', { type: 'number', min: '1', max: '100' });
  const allowEdits = h('input', { type: 'checkbox' });
  const archived = h('input', { type: 'checkbox' });
  const msg = status();
  const save = h('button', { type: 'submit', class: 'primary' }, 'Save settings');

  function fill(p) {
    name.value = p.name; instructions.value = p.instructions || '';
    overlap.value = p.overlap; lease.value = p.lease_seconds; maxLeases.value = p.max_leases_per_annotator;
    allowEdits.checked = !!p.allow_edits; archived.checked = !!p.archived;
  }
  function changes() {
    const want = { name: name.value.trim(), instructions: instructions.value, overlap: +overlap.value,
      lease_seconds: +lease.value, max_leases_per_annotator: +maxLeases.value,
      allow_edits: allowEdits.checked, archived: archived.checked };
    return Object.fromEntries(Object.entries(want).filter(([k, v]) => v !== cur[k] && !(k === 'instructions' && v === (cur[k] || ''))));
  }

  const saved = (p) => { cur = p; fill(cur); if (onChange) onChange(cur); };
  const form = h('form', { class: 'c-form narrow', 'aria-label': 'Project settings',
    onsubmit: patchProject(pid, { changes, save, msg, saved }) },
  field('Name', name),
  field('Instructions', instructions, 'Markdown, shown to annotators.'),
  h('div', { class: 'c-row' },
    field('Overlap', overlap, 'Labels per task; changing it recomputes completion.'),
    field('Lease (seconds)', lease, 'How long a task stays with one annotator.'),
    field('Max leases per annotator', maxLeases)),
  check('Allow annotators to edit their submitted labels', allowEdits),
  check('Archived (no new tasks handed out, imports refused)', archived),
  h('div', { class: 'c-actions' }, save), msg);
  fill(project);
  mount(root, form, isAdmin() ? dangerZone(project) : null);
}

function dangerZone(project) {
  const typed = h('input', { type: 'text', autocomplete: 'off' });
  const msg = status();
  const del = h('button', { type: 'button', class: 'danger', disabled: true, onclick: async () => {
    del.disabled = true;
    try {
      await api('DELETE', `/api/v1/projects/${encodeURIComponent(project.id)}`);
      go('/manage');
    } catch (e) { msg.set(errText(e), 'error'); del.disabled = false; }
  } }, 'Delete this project');
  typed.addEventListener('input', () => { del.disabled = typed.value !== project.name; });
  return h('section', { class: 'danger-zone', 'aria-label': 'Delete project' },
    h('h2', null, 'Delete project'),
    h('p', null, 'Deletes the project, its tasks and every label at once. This cannot be undone; export first.'),
    field('Type the project name to confirm', typed), h('div', { class: 'c-actions' }, del), msg);
}
