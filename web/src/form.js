// form.js: the labeling form, one for every schema. It lays out the task's
// data per the schema's views (without views: every data value as text)
// and a widget per field from widgets/registry.js: region fields go onto
// the surface of their source (image, audio, text), pairwise and ranking
// fields show their own sources side by side, every other field gets a
// labelled section. It applies show_if live, checks the answer before a
// submit, and merges the widgets' shortcuts (the number keys go to the
// active field). The workspace, the console's data browser and the schema
// preview all use it; readOnly renders the same widgets without input.
//
// renderForm(container, {schema, data, readOnly, initial, onChange}) →
//   {get() → result, validate() → null | message, set(result), keys, destroy()}
import { h, mount } from './lib/dom.js';
import { fieldFactory, surfaceFactory, surfaceKindOf } from './widgets/registry.js';
import { viewBlock } from './views.js';
import './widgets/fields.js';
import './widgets/compare.js';

// The surfaces (image, audio, spans) are separate modules that register
// themselves; load whichever of them this build has. esbuild bundles every
// widgets/*.js for this pattern, so a module that is missing just rejects.
// (The bundle's lookup throws at once for a missing one: hence the async wrapper.)
export const widgetsReady = Promise.all(['surfaces', 'image', 'audio', 'spans'].map((n) =>
  (async () => import(`./widgets/${n}.js`))().catch(() => null)));

const SURFACE_OF_VIEW = { image: 'image', audio: 'audio', video: 'audio', text: 'text', markdown: 'text', code: 'text' };
const COMPARE = new Set(['pairwise', 'ranking']);

/** Whether typing is going on (the number keys then belong to the input). */
const isTextEntry = (el) => !!el && (el.isContentEditable || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' ||
  (el.tagName === 'INPUT' && !['radio', 'checkbox', 'button', 'submit', 'range'].includes(el.type)) ||
  !!(el.closest && el.closest('.cm-editor')));

const shown = (v) => v !== undefined && v !== null;

/** show_if's test: equality, or membership for a multichoice answer. */
const matches = (value, equals) => (Array.isArray(value) ? value.includes(equals) : value === equals);

export function renderForm(container, { schema, data, readOnly = false, initial, onChange } = {}) {
  const fields = (schema && Array.isArray(schema.fields)) ? schema.fields : [];
  const dataObj = data && typeof data === 'object' && !Array.isArray(data) ? data : { value: data };
  const views = schema && Array.isArray(schema.views) && schema.views.length
    ? schema.views
    : Object.keys(dataObj).map((source) => ({ source, kind: 'text' }));
  const start = initial && typeof initial === 'object' ? initial : {};
  const byName = new Map(fields.map((f) => [f.name, f]));

  // Which source each region field is drawn on (relations: its spans field's).
  const regionSource = (f) => {
    if (f.type === 'relations') { const sp = byName.get(f.field); return sp ? sp.source : undefined; }
    return surfaceKindOf(f.type) ? f.source : undefined;
  };
  const compareSources = new Set(fields.filter((f) => COMPARE.has(f.type)).flatMap((f) => f.sources || []));

  const entries = []; // {field, widget, section, error, surface?}
  const destroyers = [];
  let active = null;
  const changed = (entry) => {
    if (entry) entry.error.textContent = '';
    applyShowIf();
    onChange?.();
  };

  // ---- sections ----------------------------------------------------------
  function section(field, body, { wide } = {}) {
    const labelId = 'fl-' + Math.random().toString(36).slice(2, 10);
    const error = h('p', { class: 'field-error', role: 'alert' });
    const req = field.required !== false;
    const el = h('section', { class: 'field field-' + field.type + (wide ? ' wide' : ''), 'aria-labelledby': labelId, dataset: { field: field.name } },
      h('h3', { id: labelId, class: 'field-name' }, field.name, req && !readOnly ? h('span', { class: 'req', 'aria-label': 'required' }, ' *') : null),
      field.description ? h('p', { class: 'field-desc' }, field.description) : null,
      body, error);
    return { el, error };
  }

  function fieldEntry(field) {
    const factory = fieldFactory(field.type);
    if (!factory) {
      const s = section(field, h('p', { class: 'note' }, `No widget for "${field.type}" fields in this build.`));
      return { field, widget: { get: () => undefined, set() {} }, section: s.el, error: s.error };
    }
    let entry;
    const widget = factory({ field, schema, data: dataObj, readOnly, initial: start[field.name], onChange: () => changed(entry) });
    const s = section(field, widget.el, { wide: widget.wide });
    entry = { field, widget, section: s.el, error: s.error };
    destroyers.push(() => widget.destroy?.());
    return entry;
  }

  // ---- the data side: views, surfaces and compare widgets ----------------
  const dataPane = h('div', { class: 'lf-data' });
  const fieldPane = h('div', { class: 'lf-fields' });
  const placed = new Set();
  for (const view of views) {
    const src = view.source;
    if (compareSources.has(src)) {
      for (const f of fields) {
        if (!COMPARE.has(f.type) || placed.has(f.name) || !(f.sources || []).includes(src)) continue;
        const e = fieldEntry(f);
        entries.push(e); placed.add(f.name);
        dataPane.append(e.section);
      }
      continue;
    }
    const regionFields = fields.filter((f) => regionSource(f) === src);
    const kind = SURFACE_OF_VIEW[view.kind] || (regionFields[0] && surfaceKindOf(regionFields[0].type));
    const factory = regionFields.length ? surfaceFactory(kind) : null;
    if (factory) {
      let surfaceEntries;
      const surface = factory({
        source: src, view, value: dataObj[src], data: dataObj, schema, fields: regionFields, readOnly,
        initial: Object.fromEntries(regionFields.filter((f) => shown(start[f.name])).map((f) => [f.name, start[f.name]])),
        onChange: () => { surfaceEntries.forEach((e) => { e.error.textContent = ''; }); changed(null); },
      });
      destroyers.push(() => surface.destroy?.());
      const errors = regionFields.map((f) => h('p', { class: 'field-error', role: 'alert', dataset: { field: f.name } }));
      const el = h('figure', { class: 'view surface surface-' + kind }, h('figcaption', null, src), surface.el, errors);
      surfaceEntries = regionFields.map((f, i) => ({ field: f, widget: surface, surface: true, section: el, error: errors[i] }));
      entries.push(...surfaceEntries);
      regionFields.forEach((f) => placed.add(f.name));
      dataPane.append(el);
    } else {
      const note = regionFields.length
        ? h('p', { class: 'note' }, `Drawing ${regionFields.map((f) => f.name).join(', ')} on this ${view.kind || 'view'} is not available in this build.`)
        : null;
      const vb = viewBlock(view, dataObj[src], note);
      destroyers.push(vb.destroy);
      dataPane.append(vb.el);
      regionFields.forEach((f) => placed.add(f.name));
    }
  }
  // Every other field, in schema order (a compare field whose sources are
  // not among the views still gets its widget).
  for (const f of fields) {
    if (placed.has(f.name)) continue;
    const e = fieldEntry(f);
    entries.push(e);
    (COMPARE.has(f.type) ? dataPane : fieldPane).append(e.section);
  }
  entries.sort((a, b) => fields.indexOf(a.field) - fields.indexOf(b.field));

  const root = h('div', { class: 'lf' + (fieldPane.childElementCount ? '' : ' lf-one') + (readOnly ? ' lf-readonly' : '') },
    dataPane, fieldPane.childElementCount ? fieldPane : null);
  mount(container, root);

  // ---- values, show_if and checks ----------------------------------------
  const valueOf = (e) => (e.surface ? (e.widget.get() || {})[e.field.name] : e.widget.get());
  const entryOf = new Map(entries.map((e) => [e.field.name, e]));
  let visible = {};
  function applyShowIf() {
    visible = {};
    for (const f of fields) {
      let v = true;
      if (f.show_if) {
        const dep = entryOf.get(f.show_if.field);
        v = !!visible[f.show_if.field] && !!dep && matches(valueOf(dep), f.show_if.equals);
      }
      visible[f.name] = v;
      const e = entryOf.get(f.name);
      if (e && !e.surface) e.section.hidden = !v;
    }
  }
  applyShowIf();

  function get() {
    const out = {};
    for (const e of entries) {
      if (!visible[e.field.name]) continue; // a hidden field is not sent (schema.md)
      const v = valueOf(e);
      if (shown(v)) out[e.field.name] = v;
    }
    return out;
  }

  function validate() {
    const bad = [];
    for (const e of entries) {
      e.error.textContent = '';
      if (!visible[e.field.name]) continue;
      const v = valueOf(e);
      let msg = null;
      if (!shown(v)) {
        if (e.field.required !== false) msg = 'Required: answer this before submitting.';
      } else if (e.widget.check) {
        msg = e.widget.check(v);
      }
      if (msg) { e.error.textContent = msg; bad.push(e); }
    }
    if (!bad.length) return null;
    bad[0].section.scrollIntoView?.({ block: 'nearest' });
    if (!bad[0].surface) bad[0].widget.focus?.();
    return `${bad.length === 1 ? 'One field needs' : bad.length + ' fields need'} attention: ${bad.map((e) => e.field.name).join(', ')}.`;
  }

  function set(result) {
    const r = result && typeof result === 'object' ? result : {};
    const surfacesDone = new Set();
    for (const e of entries) {
      if (e.surface) {
        if (surfacesDone.has(e.widget)) continue;
        surfacesDone.add(e.widget);
        const names = entries.filter((x) => x.widget === e.widget).map((x) => x.field.name);
        e.widget.set(Object.fromEntries(names.filter((n) => shown(r[n])).map((n) => [n, r[n]])));
      } else e.widget.set(r[e.field.name]);
    }
    applyShowIf();
  }

  // ---- shortcuts -----------------------------------------------------------
  const onFocus = (ev) => { const e = entries.find((x) => x.widget.digit && x.section.contains(ev.target)); if (e) active = e; };
  root.addEventListener('focusin', onFocus);
  root.addEventListener('pointerdown', onFocus);
  const guard = () => !isTextEntry(document.activeElement);
  const keys = [];
  if (!readOnly) {
    const uniqueWidgets = [...new Set(entries.map((e) => e.widget))];
    const own = uniqueWidgets.flatMap((w) => w.keys || []);
    const isDigit = (k) => /^[1-9]$/.test(k);
    const digitOwn = own.filter((b) => isDigit(b.key));
    const digitWidgets = () => entries.filter((e) => e.widget.digit && visible[e.field.name]);
    if (digitWidgets().length || digitOwn.length) {
      for (let n = 1; n <= 9; n++) {
        keys.push({
          key: String(n), allowInInput: true, when: guard,
          label: `Option ${n} of the active field (Tab moves between fields)`,
          run: () => {
            // 1. the field that has the focus; 2. a widget's own key for
            // it, where it applies now (a surface's label keys: while the
            // pointer or focus is on it); 3. the active field (the last
            // one used), else the first one.
            const focused = digitWidgets().find((e) => e.section.contains(document.activeElement));
            if (focused) { active = focused; focused.widget.digit(n); return; }
            const hot = digitOwn.find((b) => b.key === String(n) && (!b.when || b.when()));
            if (hot) { hot.run(); return; }
            const list = digitWidgets();
            const target = list.includes(active) ? active : list[0];
            if (target) { active = target; target.widget.digit(n); }
          },
        });
      }
    }
    for (const b of own) if (!isDigit(b.key)) keys.push({ ...b, allowInInput: true, when: () => guard() && (!b.when || b.when()) });
  }

  return {
    get, validate, set,
    keys, // bindings for lib/keys.js
    destroy() {
      root.removeEventListener('focusin', onFocus);
      destroyers.forEach((d) => { try { d(); } catch (err) { console.warn(err); } });
      container.replaceChildren();
    },
  };
}
