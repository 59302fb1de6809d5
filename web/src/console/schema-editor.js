// schema-editor.js: the label schema as JSON in a textarea, checked live by
// the server (POST /api/v1/schemas/validate, debounced) so the manager sees
// the same verdict project creation will give, and a live preview of the
// labeling view drawn by the real form (renderForm) on sample data.
// A textarea rather than CodeMirror: CodeMirror injects <style> elements,
// which the page's CSP (no 'unsafe-inline') refuses.
import { h } from '../lib/dom.js';
import { api } from '../lib/api.js';
import { renderForm } from '../form.js';
import { sampleTask } from './sample-data.js';

const DEBOUNCE_MS = 300;

/** schemaEditor(initialText) → {el, getSchema() → object|null, setText(s),
 *  isValid(), destroy()}. */
export function schemaEditor(initialText) {
  const area = h('textarea', { id: 'schema-json', class: 'code', rows: '18', spellcheck: 'false',
    'aria-describedby': 'schema-verdict' });
  area.value = initialText;
  const verdict = h('p', { id: 'schema-verdict', class: 'c-status', role: 'status', 'aria-live': 'polite' });
  const previewBox = h('div', { class: 'preview-form', 'aria-label': 'Preview of the labeling view' });
  let timer = null, ctl = null, form = null, valid = false, parsed = null;
  let serverCheck = true; // off once the server says it has no validate route

  const say = (text, kind) => { verdict.textContent = text; verdict.className = 'c-status ' + kind; };

  function drawPreview(schema) {
    if (form) { try { form.destroy(); } catch { /* already gone */ } form = null; }
    previewBox.replaceChildren();
    try {
      form = renderForm(previewBox, { schema, data: sampleTask(schema), readOnly: false });
    } catch (e) {
      previewBox.replaceChildren(h('p', { class: 'muted' }, 'The preview cannot draw this schema: ' + e.message));
    }
  }

  async function check() {
    const text = area.value;
    // A newer edit wins: whatever an earlier server check answers is dropped.
    if (ctl) { ctl.abort(); ctl = null; }
    try { parsed = JSON.parse(text); } catch (e) {
      parsed = null; valid = false;
      say('Not valid JSON: ' + e.message, 'error');
      return;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || !Array.isArray(parsed.fields)) {
      valid = false;
      say('A schema is an object with a "fields" array (and optional "views").', 'error');
      return;
    }
    ctl = new AbortController();
    const mine = ctl;
    if (serverCheck) {
      try {
        const r = await api('POST', '/api/v1/schemas/validate', { schema: parsed }, { signal: mine.signal });
        if (mine !== ctl) return;
        if (r && r.valid === false) {
          valid = false;
          say(`Invalid: ${r.error?.message || r.error?.code || 'refused'}`, 'error');
          return;
        }
      } catch (e) {
        if (e.name === 'AbortError' || mine !== ctl) return;
        if (e.status === 404 || e.status === 405) serverCheck = false; // no such route on this server
        else if (e.status === 400) { valid = false; say('Invalid: ' + e.message, 'error'); return; }
      }
    }
    valid = true;
    say(serverCheck ? 'Valid schema (checked by the server).' : 'Valid JSON (the server checks the schema on create).', 'ok');
    drawPreview(parsed);
  }

  const schedule = () => { clearTimeout(timer); timer = setTimeout(check, DEBOUNCE_MS); };
  area.addEventListener('input', schedule);
  check();

  const el = h('div', { class: 'schema-editor' },
    h('div', { class: 'schema-pane' },
      h('label', { for: 'schema-json' }, 'Schema (JSON)'), area, verdict),
    h('div', { class: 'schema-pane' },
      h('h3', null, 'Preview'), previewBox));
  return {
    el,
    getSchema: () => parsed,
    isValid: () => valid,
    setText(s) { area.value = s; clearTimeout(timer); check(); },
    flush() { clearTimeout(timer); return check(); },
    destroy() { clearTimeout(timer); if (ctl) ctl.abort(); if (form) try { form.destroy(); } catch { /* gone */ } },
  };
}
