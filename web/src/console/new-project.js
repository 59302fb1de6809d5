// new-project.js: #/manage/new. Name, instructions, overlap, lease, and the
// schema: written as JSON (schema-editor.js) or pasted as a Label Studio XML
// config that the server converts (POST /api/v1/schemas/convert) into the
// JSON editor, so the manager always creates from a schema they can see.
import { h, mount } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { go } from '../lib/router.js';
import { errText, field, status } from './ui.js';
import { schemaEditor } from './schema-editor.js';

const STARTER = JSON.stringify({
  views: [{ source: 'text', kind: 'text' }],
  fields: [{ name: 'sentiment', type: 'choice', options: ['positive', 'negative', 'neutral'] }],
}, null, 2);

export function newProjectScreen(root) {
  const name = h('input', { type: 'text', required: true, maxlength: '200', autocomplete: 'off' });
  const instructions = h('textarea', { rows: '3', placeholder: 'Markdown: what to label and how.' });
  const overlap = h('input', { type: 'number', min: '1', max: '100', value: '1' });
  const lease = h('input', { type: 'number', min: '1', max: '604800', value: '600' });
  const editor = schemaEditor(STARTER);
  const lsPanel = labelStudioPanel((schema) => {
    editor.setText(JSON.stringify(schema, null, 2));
    showTab('json');
  });
  const msg = status();

  const tabJson = h('button', { type: 'button', role: 'tab', id: 'tab-json', 'aria-controls': 'pane-json' }, 'Schema JSON');
  const tabLs = h('button', { type: 'button', role: 'tab', id: 'tab-ls', 'aria-controls': 'pane-ls' }, 'Paste a Label Studio config');
  const paneJson = h('div', { role: 'tabpanel', id: 'pane-json', 'aria-labelledby': 'tab-json' }, editor.el);
  const paneLs = h('div', { role: 'tabpanel', id: 'pane-ls', 'aria-labelledby': 'tab-ls' }, lsPanel);
  function showTab(which) {
    const json = which === 'json';
    tabJson.setAttribute('aria-selected', String(json));
    tabLs.setAttribute('aria-selected', String(!json));
    paneJson.hidden = !json; paneLs.hidden = json;
  }
  tabJson.addEventListener('click', () => showTab('json'));
  tabLs.addEventListener('click', () => showTab('ls'));
  showTab('json');

  const submit = h('button', { type: 'submit', class: 'primary' }, 'Create project');
  const form = h('form', { class: 'c-form', 'aria-label': 'New project', onsubmit: async (ev) => {
    ev.preventDefault();
    await editor.flush();
    const schema = editor.getSchema();
    if (!name.value.trim()) { msg.set('Give the project a name.', 'error'); name.focus(); return; }
    if (!schema || !editor.isValid()) { msg.set('Fix the schema first.', 'error'); return; }
    submit.disabled = true; msg.set('Creating…');
    try {
      const body = { name: name.value.trim(), schema, overlap: +overlap.value || 1, lease_seconds: +lease.value || 600 };
      // In the create call itself: the project never exists without them.
      if (instructions.value.trim()) body.instructions = instructions.value;
      const { id } = await api('POST', '/api/v1/projects', body);
      go(`/manage/p/${id}/import`);
    } catch (e) {
      msg.set(errText(e), 'error');
    } finally { submit.disabled = false; }
  } },
  h('div', { class: 'c-row' },
    field('Name', name),
    field('Overlap (labels per task)', overlap),
    field('Lease (seconds)', lease)),
  field('Instructions', instructions, 'Markdown; shown to annotators one key away.'),
  h('div', { class: 'c-tabs', role: 'tablist', 'aria-label': 'Schema source' }, tabJson, tabLs),
  paneJson, paneLs,
  h('div', { class: 'c-actions' }, submit, h('a', { href: '#/manage' }, 'Cancel')), msg);

  mount(root, h('section', { class: 'console' },
    h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/manage' }, 'Projects'), ' / New'),
    h('h1', null, 'New project'), form));
  name.focus();
  return () => editor.destroy();
}

/** The Label Studio tab: XML in a textarea, converted by the server. */
function labelStudioPanel(onSchema) {
  const xml = h('textarea', { id: 'ls-xml', class: 'code', rows: '12', spellcheck: 'false',
    placeholder: '<View>\n  <Text name="text" value="$text"/>\n  <Choices name="label" toName="text">\n    <Choice value="yes"/>\n  </Choices>\n</View>' });
  const msg = status();
  const convert = h('button', { type: 'button', class: 'primary', onclick: async () => {
    if (!xml.value.trim()) { msg.set('Paste a config first.', 'error'); return; }
    convert.disabled = true; msg.set('Converting…');
    try {
      const r = await api('POST', '/api/v1/schemas/convert', xml.value, { headers: { 'Content-Type': 'application/xml' } });
      msg.set('Converted: the schema is in the editor.', 'ok');
      onSchema(r.schema);
    } catch (e) {
      msg.set('Could not convert: ' + errText(e), 'error');
    } finally { convert.disabled = false; }
  } }, 'Convert to schema');
  return h('div', { class: 'ls-panel' },
    h('label', { for: 'ls-xml' }, 'Label Studio config (XML)'), xml,
    h('div', { class: 'c-actions' }, convert), msg);
}
