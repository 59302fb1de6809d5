// tab-import.js: import a file of tasks (JSON Lines, a JSON array or Label
// Studio export, CSV) with a progress bar. XMLHttpRequest rather than fetch:
// only XHR reports upload progress. The body is the file itself (the import
// route takes the raw file, typed by Content-Type), so nothing is read into
// memory by the page however large the file is. The server imports all or
// nothing, so the answer is either a count or one error naming the item.
import { h, mount } from '../lib/dom.js';
import { csrfHeader } from '../lib/api.js';
import { field, status } from './ui.js';

const TYPES = [
  ['auto', 'From the file name'],
  ['application/x-ndjson', 'JSON Lines (.jsonl)'],
  ['application/json', 'JSON array / Label Studio export (.json)'],
  ['text/csv', 'CSV with a header row (.csv)'],
];

function typeOf(file, chosen) {
  if (chosen !== 'auto') return chosen;
  const n = file.name.toLowerCase();
  if (n.endsWith('.csv')) return 'text/csv';
  if (n.endsWith('.json')) return 'application/json';
  return 'application/x-ndjson';
}

export function importTab(root, project) {
  const url = `/api/v1/projects/${encodeURIComponent(project.id)}/tasks`;
  const file = h('input', { type: 'file', accept: '.jsonl,.ndjson,.json,.csv,application/json,text/csv' });
  const format = h('select', null, TYPES.map(([v, t]) => h('option', { value: v }, t)));
  const bar = h('progress', { id: 'import-progress', max: '100', value: '0', 'aria-label': 'Import progress' });
  const phase = h('span', { class: 'muted' });
  const msg = status();
  const go = h('button', { type: 'button', class: 'primary', onclick: upload }, 'Import');
  let xhr = null;

  mount(root, h('div', { class: 'c-form narrow' },
    h('p', null, 'Each line (JSONL), element (JSON) or row (CSV) becomes one task; its keys are the data the schema\'s views read. ',
      'The import is all or nothing: one bad item refuses the file and names the item.'),
    project.archived && h('p', { class: 'error' }, 'This project is archived: imports are refused until it is unarchived.'),
    field('File', file), field('Format', format),
    h('div', { class: 'c-actions' }, go),
    h('div', { class: 'upload' }, h('label', { for: 'import-progress' }, 'Upload'), bar, phase),
    msg));

  function upload() {
    const f = file.files && file.files[0];
    if (!f) { msg.set('Choose a file first.', 'error'); file.focus(); return; }
    go.disabled = true;
    bar.max = 100; bar.value = 0;
    phase.textContent = 'Uploading…';
    msg.set('');
    xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Content-Type', typeOf(f, format.value));
    xhr.setRequestHeader('Accept', 'application/json');
    for (const [k, v] of Object.entries(csrfHeader())) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (ev) => {
      if (!ev.lengthComputable) return;
      bar.max = ev.total; bar.value = ev.loaded;
      phase.textContent = `Uploading… ${Math.floor((100 * ev.loaded) / ev.total)}%`;
    };
    xhr.upload.onload = () => { bar.value = bar.max; phase.textContent = 'Uploaded; the server is importing…'; };
    xhr.onload = () => {
      go.disabled = false;
      let j = null;
      try { j = JSON.parse(xhr.responseText); } catch { /* not JSON */ }
      if (xhr.status === 201 && j) {
        bar.value = bar.max;
        phase.textContent = 'Done.';
        msg.set(`Imported ${j.imported} tasks.`, 'ok');
      } else {
        phase.textContent = 'Refused.';
        msg.set(`Import failed (${xhr.status}): ${j?.error?.message || xhr.statusText || 'no answer'}`, 'error');
      }
    };
    xhr.onerror = () => { go.disabled = false; phase.textContent = ''; msg.set('The upload did not reach the server.', 'error'); };
    xhr.send(f);
  }
  return () => { if (xhr && xhr.readyState !== 4) xhr.abort(); };
}
