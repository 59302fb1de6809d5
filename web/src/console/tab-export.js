// tab-export.js: download the labels in a chosen format. A plain
// <a download> to the same-origin export route: the browser streams the
// answer straight to disk with the session cookie, so a large export never
// sits in the page's memory.
import { h, mount, safeUrl } from '../lib/dom.js';

// The route's `format` enum (openapi.json), with what each is for.
const FORMATS = [
  ['jsonl', 'JSON Lines: every annotation with its task', 'jsonl'],
  ['csv', 'CSV: one row per annotation', 'csv'],
  ['labelstudio', 'Label Studio export JSON', 'json'],
  ['preference', 'Preference pairs (pairwise fields), JSON Lines', 'jsonl'],
  ['coco', 'COCO (boxes and polygons)', 'json'],
  ['yolo', 'YOLO archive (tar)', 'tar'],
  ['conll', 'CoNLL / BIO (spans)', 'txt'],
];

export function exportTab(root, project) {
  const pid = encodeURIComponent(project.id);
  const safeName = project.name.replace(/[^\w.-]+/g, '_').slice(0, 60) || 'project';
  const link = h('a', { class: 'button primary', id: 'export-link' }, 'Download export');
  const choices = FORMATS.map(([v, label], i) => {
    const input = h('input', { type: 'radio', name: 'export-format', id: `fmt-${v}`, value: v, checked: i === 0, onchange: update });
    return h('div', { class: 'c-field c-check' }, input, h('label', { for: `fmt-${v}` }, h('strong', null, v), ' — ', label));
  });
  function update() {
    const v = root.querySelector('input[name=export-format]:checked')?.value || 'jsonl';
    const ext = FORMATS.find((f) => f[0] === v)[2];
    link.setAttribute('href', safeUrl(`/api/v1/projects/${pid}/export?format=${v}`));
    link.setAttribute('download', `${safeName}-${v}.${ext}`);
    link.setAttribute('aria-label', `Download export as ${v}`);
  }
  mount(root, h('div', { class: 'c-form narrow' },
    h('fieldset', null, h('legend', null, 'Format'), choices),
    h('p', { class: 'muted' }, 'Formats that need a field the schema lacks (boxes for COCO and YOLO, spans for CoNLL, pairwise for preference pairs) are refused by the server with a reason.'),
    h('div', { class: 'c-actions' }, link)));
  update();
}
