// image.js: the 'image' surface. One image carries every boxes, polygons
// and keypoints field drawn on it (the driving scene has boxes `objects` and
// polygons `drivable` on `frame`). Boxes and polygons are drawn, selected,
// moved and resized by Annotorious 3; keypoints (which it has no tool for)
// are a layer of our own: buttons placed in percent, so they are keyboard
// reachable. Annotorious works in the image's natural pixels; results are
// percent of the image (0..100), converted here in one place (toResult).
// CSP: Annotorious writes `style` attributes only for a `style` option, so
// none is given; labels are coloured by a constructed stylesheet (CSSOM,
// which the CSP allows) that sets --lab per annotation id.
import { createImageAnnotator } from '@annotorious/annotorious';
import '@annotorious/annotorious/annotorious.css';
import { h, mount, safeUrl } from '../lib/dom.js';
import { labelPicker, errorLine, keyName, round3, helpOnly, fieldLists, keepFocus } from './surfaces.js';

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#7c3aed', '#ea580c'];
const TOOLS = { boxes: { tool: 'rectangle', name: 'Box', key: 'b' }, polygons: { tool: 'polygon', name: 'Polygon', key: 'g' },
  keypoints: { tool: null, name: 'Point', key: 'k' } };
const ZOOMS = [0.25, 0.5, 0.75, 1, 1.5, 2, 3, 4, 6, 8];
let seq = 0;

export function imageSurface({ source, value, fields, readOnly, initial, onChange }) {
  const regionFields = fields.filter((f) => TOOLS[f.type]);
  const byName = (n) => regionFields.find((f) => f.name === n);
  const errs = errorLine();
  const meta = new Map();   // annotation id -> {field, label, id?}: the label side of a shape
  let points = [];          // [{key, field, label, x, y, id?}] in percent
  let selected = null;      // {kind: 'shape'|'point', id}
  let mode = readOnly ? 'pan' : 'draw'; // draw (the active field's tool), select, pan
  let zoom = 1, natW = 0, natH = 0, anno = null, pending = initial || {};
  const changed = () => { renderList(); if (onChange) onChange(); };

  // --- DOM ---
  const img = h('img', { src: safeUrl(value, true), alt: `Image ${source}`, draggable: 'false' });
  const pointLayer = h('div', { class: 'img-points' });
  const panShield = h('div', { class: 'img-pan-shield', 'aria-hidden': 'true' });
  const canvas = h('div', { class: 'img-canvas' }, img, pointLayer, panShield);
  const stage = h('div', { class: 'img-stage', tabindex: '0', role: 'application',
    'aria-label': `Image ${source}: ${readOnly ? 'regions, read-only' : 'draw regions'} (+/- zoom, space+drag pan)` }, canvas);
  const picker = labelPicker(regionFields, (field) => { setMode('draw'); relabelSelected(field); syncTool(); }, { readOnly, title: 'Region label' });
  const zoomOut = h('button', { type: 'button', 'aria-label': 'Zoom out (-)', onclick: () => zoomBy(-1) }, '−');
  const zoomIn = h('button', { type: 'button', 'aria-label': 'Zoom in (+)', onclick: () => zoomBy(1) }, '+');
  const zoomLabel = h('button', { type: 'button', class: 'img-zoom', 'aria-label': 'Fit the image (0)', onclick: () => setZoom(1) }, '100%');
  const modeBtns = {};
  const modeBtn = (m, text, key, label) => (modeBtns[m] = h('button', { type: 'button', 'aria-pressed': 'false',
    'aria-label': `${label} (${key})`, title: `${label} (${key})`, onclick: () => setMode(m) }, text, ' ', h('kbd', null, key)));
  const toolBtns = readOnly ? [] : [...new Set(regionFields.map((f) => f.type))].map((t) =>
    h('button', { type: 'button', class: 'img-tool', dataset: { type: t }, 'aria-pressed': 'false',
      'aria-label': `${TOOLS[t].name} tool (${TOOLS[t].key})`, title: `${TOOLS[t].name} tool (${TOOLS[t].key})`,
      onclick: () => pickTool(t) }, TOOLS[t].name, ' ', h('kbd', null, TOOLS[t].key)));
  const delBtn = h('button', { type: 'button', disabled: true, 'aria-label': 'Delete the selected region (Delete)',
    onclick: () => deleteSelected() }, 'Delete');
  const list = h('ul', { class: 'surf-list img-list', 'aria-label': 'Regions' });
  const hint = h('p', { class: 'muted img-hint', 'aria-live': 'polite' });
  const HINTS = {
    boxes: 'Drag on the image to draw a box.',
    polygons: 'Click each corner; click the first corner again to close the polygon.',
    keypoints: 'Click to place a point; drag a point to move it.',
    select: 'Click a region to select it, then drag it or its handles; Delete removes it.',
    pan: 'Drag to move the image.',
  };
  const el = h('div', { class: 'srf img-surface' + (readOnly ? ' readonly' : ''), dataset: { source } },
    h('div', { class: 'surf-toolbar' },
      readOnly ? null : picker.el,
      h('div', { class: 'surf-actions' },
        readOnly ? null : [...toolBtns, modeBtn('select', 'Select', 'v', 'Select and edit regions')],
        modeBtn('pan', 'Pan', 'h', 'Pan the image'),
        zoomOut, zoomLabel, zoomIn, readOnly ? null : delBtn)),
    h('div', { class: 'img-body' }, stage,
      h('section', { class: 'img-side' }, h('h3', null, 'Regions'), list, readOnly ? null : hint)),
    errs.el);

  // --- colours per annotation id (see header) ---
  const sheet = new CSSStyleSheet();
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  const colorOf = (field, label) => {
    const i = picker.entries.findIndex((e) => e.field.name === field && e.label === label);
    return i < 0 ? '#6b7280' : PALETTE[i % PALETTE.length];
  };
  function paint() {
    sheet.replaceSync([...meta].map(([id, m]) =>
      `.img-surface .a9s-annotation[data-id="${CSS.escape(id)}"] { --lab: ${colorOf(m.field, m.label)}; }`).join('\n'));
  }

  // --- geometry: natural pixels <-> percent ---
  const pct = (v, n) => round3(Math.min(100, Math.max(0, (v / n) * 100)));
  function toResult(a) {
    const m = meta.get(a.id), g = a.target.selector.geometry;
    if (!m) return null;
    const item = {};
    if (a.target.selector.type === 'RECTANGLE') {
      const x = pct(g.x, natW), y = pct(g.y, natH);
      item.x = x; item.y = y;
      item.width = round3(Math.min(pct(g.w, natW), 100 - x));
      item.height = round3(Math.min(pct(g.h, natH), 100 - y));
    } else {
      item.points = g.points.map(([px, py]) => [pct(px, natW), pct(py, natH)]);
    }
    item.label = m.label;
    if (m.id) item.id = m.id;
    return item;
  }
  function shapeOf(field, r, id) {
    const px = (v) => (v / 100) * natW, py = (v) => (v / 100) * natH;
    if (field.type === 'boxes') {
      const x = px(r.x), y = py(r.y), w = px(r.width), hh = py(r.height);
      return { type: 'RECTANGLE', geometry: { x, y, w, h: hh, bounds: { minX: x, minY: y, maxX: x + w, maxY: y + hh } } };
    }
    const pts = r.points.map(([a, b]) => [px(a), py(b)]);
    const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]);
    return { type: 'POLYGON', geometry: { points: pts, bounds: { minX: Math.min(...xs), minY: Math.min(...ys), maxX: Math.max(...xs), maxY: Math.max(...ys) } } };
  }
  function problem(field, r) {
    if (!(field.labels || []).includes(r.label)) return `"${r.label}" is not a label of ${field.name}`;
    const ms = Number(field.min_size) || 0;
    if (field.type === 'boxes') {
      if (!(r.width > 0 && r.height > 0)) return 'a box needs a width and a height';
      if (r.width < ms || r.height < ms) return `${field.name}: a box's sides must be at least ${ms}% of the image`;
    } else if (field.type === 'polygons') {
      if (!Array.isArray(r.points) || r.points.length < 3 || r.points.length > 1000) return 'a polygon needs 3 to 1000 points';
      const xs = r.points.map((p) => p[0]), ys = r.points.map((p) => p[1]);
      if (Math.max(...xs) - Math.min(...xs) < ms || Math.max(...ys) - Math.min(...ys) < ms)
        return `${field.name}: a polygon must span at least ${ms}% of the image`;
    } else if (!(r.x >= 0 && r.x <= 100 && r.y >= 0 && r.y <= 100)) return 'a point must be on the image';
    return null;
  }

  // --- Annotorious ---
  function start() {
    natW = img.naturalWidth; natH = img.naturalHeight;
    anno = createImageAnnotator(img, { drawingEnabled: !readOnly, userSelectAction: readOnly ? 'NONE' : 'EDIT' });
    anno.on('createAnnotation', (a) => {
      const e = picker.active();
      const wanted = a.target.selector.type === 'RECTANGLE' ? 'boxes' : 'polygons';
      if (!e || e.field.type !== wanted) { anno.removeAnnotation(a.id); return; }
      meta.set(a.id, { field: e.field.name, label: e.label });
      const err = problem(e.field, toResult(a));
      if (err) { meta.delete(a.id); anno.removeAnnotation(a.id); errs.show([err + ': not added.']); select(null); renderList(); return; }
      errs.show([]);
      paint();
      select({ kind: 'shape', id: a.id }, true);
      changed();
    });
    anno.on('updateAnnotation', (a) => {
      const m = meta.get(a.id);
      if (m) { const err = problem(byName(m.field), toResult(a)); errs.show(err ? [err] : []); }
      changed();
    });
    anno.on('deleteAnnotation', (a) => { meta.delete(a.id); if (selected && selected.id === a.id) selected = null; paint(); changed(); });
    anno.on('selectionChanged', (arr) => {
      if (arr && arr.length) select({ kind: 'shape', id: arr[0].id }, true);
      else if (selected && selected.kind === 'shape') { selected = null; renderList(); }
      // the editor's focused handle went with the selection: keep the keys here
      if (document.activeElement === document.body) stage.focus({ preventScroll: true });
    });
    set(pending);
    layout();
    setZoom(1);
    syncTool();
  }
  if (img.complete && img.naturalWidth) queueMicrotask(start); else img.addEventListener('load', start, { once: true });
  img.addEventListener('error', () => errs.show([`The image for ${source} could not be loaded.`]), { once: true });

  // --- tools and modes ---
  function pickTool(type) {
    const e = picker.active();
    if (!e || e.field.type !== type) picker.setActive(regionFields.find((f) => f.type === type).name);
    setMode('draw');
  }
  function setMode(m) {
    mode = readOnly ? 'pan' : m;
    syncTool();
  }
  function syncTool() {
    const e = picker.active();
    const type = e && e.field.type;
    for (const b of toolBtns) b.setAttribute('aria-pressed', String(mode === 'draw' && b.dataset.type === type));
    for (const [m, b] of Object.entries(modeBtns)) b.setAttribute('aria-pressed', String(mode === m));
    stage.classList.toggle('panning', mode === 'pan' || spaceHeld);
    hint.textContent = (mode === 'draw' ? HINTS[type] : HINTS[mode]) + ' Ctrl+wheel or +/− zoom; hold space to pan.';
    stage.classList.toggle('pointing', mode === 'draw' && type === 'keypoints');
    if (!anno || readOnly) return;
    const t = type && TOOLS[type].tool;
    // polygons by clicks (drag mode wants a drag for the first edge), boxes by drag
    if (mode === 'draw' && t) { anno.setDrawingMode(t === 'polygon' ? 'click' : 'drag'); anno.setDrawingTool(t); anno.setDrawingEnabled(true); }
    else { anno.cancelDrawing(); anno.setDrawingEnabled(false); }
  }

  // --- selection, relabel, delete ---
  function select(s, fromAnno = false) {
    selected = s;
    if (anno && !fromAnno) {
      if (s && s.kind === 'shape') anno.setSelected(s.id); else anno.cancelSelected();
    }
    const m = s && (s.kind === 'shape' ? meta.get(s.id) : points.find((p) => p.key === s.id));
    if (m) picker.setActive(m.field, m.label);
    syncTool();
    renderList();
  }
  function relabelSelected(field) {
    if (!selected) return;
    const e = picker.active();
    if (selected.kind === 'shape') {
      const m = meta.get(selected.id);
      const a = anno.getAnnotationById(selected.id);
      const type = a.target.selector.type === 'RECTANGLE' ? 'boxes' : 'polygons';
      if (!m || field.type !== type) return;
      meta.set(selected.id, { ...m, field: field.name, label: e.label });
      paint();
    } else {
      const p = points.find((q) => q.key === selected.id);
      if (!p || field.type !== 'keypoints') return;
      p.field = field.name; p.label = e.label;
      renderPoints();
    }
    changed();
  }
  function deleteSelected() {
    if (readOnly || !selected) return;
    if (selected.kind === 'shape') { meta.delete(selected.id); anno.removeAnnotation(selected.id); paint(); }
    else { points = points.filter((p) => p.key !== selected.id); renderPoints(); }
    selected = null;
    errs.show([]);
    stage.focus();
    changed();
  }

  // --- keypoints: our own layer ---
  function renderPoints() {
    mount(pointLayer, points.map((p) => {
      const b = h('button', { type: 'button', class: 'img-point ' + picker.colorOf(p.field, p.label) +
        (selected && selected.id === p.key ? ' selected' : ''), dataset: { key: p.key },
      'aria-label': `${p.label} point at ${p.x}%, ${p.y}%`, title: p.label });
      b.style.left = p.x + '%'; b.style.top = p.y + '%'; // CSSOM, allowed by the CSP
      if (!readOnly) b.addEventListener('pointerdown', (ev) => dragPoint(ev, p));
      return b;
    }));
  }
  const pctAt = (ev) => {
    const r = canvas.getBoundingClientRect();
    return [round3(Math.min(100, Math.max(0, ((ev.clientX - r.left) / r.width) * 100))),
      round3(Math.min(100, Math.max(0, ((ev.clientY - r.top) / r.height) * 100)))];
  };
  pointLayer.addEventListener('pointerdown', (ev) => {
    const e = picker.active();
    if (readOnly || ev.target !== pointLayer || mode !== 'draw' || !e || e.field.type !== 'keypoints' || ev.button !== 0) return;
    const [x, y] = pctAt(ev);
    const p = { key: 'p' + (++seq), field: e.field.name, label: e.label, x, y };
    points.push(p);
    renderPoints();
    select({ kind: 'point', id: p.key });
    stage.focus();
    changed();
  });
  function dragPoint(ev, p) {
    ev.stopPropagation(); ev.preventDefault();
    select({ kind: 'point', id: p.key });
    const move = (e) => { [p.x, p.y] = pctAt(e); const b = pointLayer.querySelector(`[data-key="${p.key}"]`); if (b) { b.style.left = p.x + '%'; b.style.top = p.y + '%'; } };
    const up = () => { removeEventListener('pointermove', move); removeEventListener('pointerup', up); renderPoints(); changed(); };
    addEventListener('pointermove', move); addEventListener('pointerup', up);
  }

  // --- zoom and pan ---
  // The stage is as tall as the image at its fitted width, so a wide frame
  // leaves no empty band under it, and no taller than what the window shows
  // below the stage's top (the whole image in view at 1280x720).
  function layout() {
    if (!natW) return;
    const top = stage.getBoundingClientRect().top + window.scrollY;
    const maxH = Math.max(200, Math.min(640, window.innerHeight - top - 16));
    stage.style.height = Math.ceil(Math.min(maxH, ((stage.clientWidth - 2) * natH) / natW) + 2) + 'px';
  }
  function fitWidth() {
    if (!natW) return 0;
    const sw = stage.clientWidth - 2, sh = stage.clientHeight - 2;
    return Math.max(50, Math.min(sw, (sh * natW) / natH));
  }
  function setZoom(z, around) {
    const old = canvas.getBoundingClientRect();
    zoom = Math.min(8, Math.max(0.25, z));
    canvas.style.width = Math.floor(fitWidth() * zoom) + 'px';
    // fitted, the image fills the stage: no scrollbar may appear over its edge
    stage.classList.toggle('fitted', zoom <= 1);
    zoomLabel.textContent = Math.round(zoom * 100) + '%';
    if (around && old.width) { // keep the point under the cursor still
      const k = canvas.getBoundingClientRect().width / old.width;
      stage.scrollLeft += (around.x - old.left) * (k - 1);
      stage.scrollTop += (around.y - old.top) * (k - 1);
    }
  }
  function zoomBy(dir, around) {
    const i = ZOOMS.findIndex((z) => z >= zoom - 1e-9);
    const next = dir > 0 ? ZOOMS.find((z) => z > zoom + 1e-9) : [...ZOOMS].reverse().find((z) => z < zoom - 1e-9);
    setZoom(next ?? ZOOMS[i] ?? zoom, around);
  }
  stage.addEventListener('wheel', (ev) => {
    if (!ev.ctrlKey) return;
    ev.preventDefault();
    zoomBy(ev.deltaY < 0 ? 1 : -1, { x: ev.clientX, y: ev.clientY });
  }, { passive: false });
  let spaceHeld = false;
  panShield.addEventListener('pointerdown', (ev) => {
    ev.preventDefault();
    const sx = ev.clientX, sy = ev.clientY, l = stage.scrollLeft, t = stage.scrollTop;
    stage.classList.add('dragging');
    const move = (e) => { stage.scrollLeft = l - (e.clientX - sx); stage.scrollTop = t - (e.clientY - sy); };
    const up = () => { stage.classList.remove('dragging'); removeEventListener('pointermove', move); removeEventListener('pointerup', up); };
    addEventListener('pointermove', move); addEventListener('pointerup', up);
  });
  const ro = new ResizeObserver(() => { layout(); setZoom(zoom); });
  ro.observe(stage);
  stage.addEventListener('pointerdown', () => { if (document.activeElement !== stage && !el.contains(document.activeElement)) stage.focus({ preventScroll: true }); });

  // --- keys (while focus is in the surface; see labelPicker) ---
  function onKey(ev) {
    if (ev.defaultPrevented || /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName)) return;
    const k = keyName(ev);
    if (k === ' ' && ev.target.tagName !== 'BUTTON') { ev.preventDefault(); if (!spaceHeld) { spaceHeld = true; syncTool(); } return; }
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (k === '+' || k === '=') { ev.preventDefault(); zoomBy(1); return; }
    if (k === '-') { ev.preventDefault(); zoomBy(-1); return; }
    if (k === '0') { ev.preventDefault(); setZoom(1); return; }
    if (k === 'h') { ev.preventDefault(); setMode('pan'); return; }
    if (readOnly) return;
    if (picker.handleKey(ev)) { ev.preventDefault(); return; }
    if ((k === 'Delete' || k === 'Backspace') && selected) { ev.preventDefault(); ev.stopPropagation(); deleteSelected(); return; }
    if (k === 'Escape' && (selected || (anno && anno.getDrawingTool()))) { ev.preventDefault(); anno && anno.cancelDrawing(); select(null); return; }
    if (k === 'v') { ev.preventDefault(); setMode('select'); return; }
    const t = Object.entries(TOOLS).find(([type, d]) => d.key === k && regionFields.some((f) => f.type === type));
    if (t) { ev.preventDefault(); pickTool(t[0]); }
  }
  const onKeyUp = (ev) => { if (ev.key === ' ' && spaceHeld) { spaceHeld = false; syncTool(); } };
  el.addEventListener('keydown', onKey, true);
  addEventListener('keyup', onKeyUp);

  // --- the list of regions ---
  function allRegions() {
    const shapes = anno ? anno.getAnnotations().filter((a) => meta.has(a.id)).map((a) => ({ kind: 'shape', id: a.id, m: meta.get(a.id), r: toResult(a) })) : [];
    return [...shapes, ...points.map((p) => ({ kind: 'point', id: p.key, m: p, r: p }))];
  }
  function describe({ m, r }) {
    const f = byName(m.field), n = (v) => Math.round(v * 10) / 10;
    if (f.type === 'boxes') return `box ${n(r.width)}×${n(r.height)} @ ${n(r.x)},${n(r.y)}`;
    if (f.type === 'polygons') return `polygon, ${r.points.length} points`;
    return `point at ${n(r.x)}, ${n(r.y)}`;
  }
  function renderList() {
    const refocus = keepFocus(el, stage);
    const regions = allRegions();
    mount(list, regions.length ? regions.map((x) => h('li', { class: selected && selected.id === x.id ? 'selected' : null },
      h('button', { type: 'button', class: 'surf-item', dataset: { key: 'r:' + x.id }, 'aria-pressed': String(!!(selected && selected.id === x.id)),
        'aria-label': `${x.m.label} (${x.m.field}): ${describe(x)}`, onclick: () => select({ kind: x.kind, id: x.id }) },
      h('span', { class: 'chip ' + picker.colorOf(x.m.field, x.m.label) }, x.m.label), ' ',
      h('span', { class: 'muted', title: describe(x) }, describe(x).replace(/ @ .*/, '').replace(' points', ' pts'))),
      readOnly ? null : h('button', { type: 'button', class: 'icon', dataset: { key: 'del' }, 'aria-label': `Delete ${x.m.label} ${describe(x)}`,
        onclick: () => { select({ kind: x.kind, id: x.id }); deleteSelected(); } }, '×')))
      : h('li', { class: 'muted' }, readOnly ? 'No regions.' : 'No regions yet: pick a label, then draw on the image.'));
    refocus();
    delBtn.disabled = !selected;
    renderPoints();
  }

  // --- value in and out ---
  function set(obj) {
    pending = obj || {};
    if (!anno) return;
    const bad = [];
    meta.clear(); points = []; selected = null;
    const annos = [];
    for (const f of regionFields) {
      for (const r of Array.isArray(pending[f.name]) ? pending[f.name] : []) {
        const err = problem(f, r);
        if (err) { bad.push(`${f.name}: dropped a region (${err}).`); continue; }
        if (f.type === 'keypoints') { points.push({ key: 'p' + (++seq), field: f.name, label: r.label, x: r.x, y: r.y, id: r.id }); continue; }
        const id = 'r' + (++seq) + '-' + Math.random().toString(36).slice(2, 8);
        meta.set(id, { field: f.name, label: r.label, id: typeof r.id === 'string' ? r.id : undefined });
        annos.push({ id, bodies: [], target: { annotation: id, selector: shapeOf(f, r) } });
      }
    }
    anno.setAnnotations(annos, true);
    errs.show(bad);
    paint();
    renderList();
  }

  const inside = () => el.contains(document.activeElement);
  return {
    el,
    get() {
      if (!anno) return fieldLists(regionFields, pending); // not loaded yet: what we were given
      const out = fieldLists(regionFields);
      for (const x of allRegions()) {
        const f = byName(x.m.field);
        const item = x.kind === 'point' ? { x: x.r.x, y: x.r.y, label: x.m.label, ...(x.m.id ? { id: x.m.id } : {}) } : x.r;
        if (!problem(f, item)) out[f.name].push(item);
      }
      return out;
    },
    set,
    keys: [
      ...(readOnly ? [] : picker.keys()),
      { key: '+', label: 'Zoom in (image)', run: () => zoomBy(1), when: inside },
      { key: '-', label: 'Zoom out (image)', run: () => zoomBy(-1), when: inside },
      { key: '0', label: 'Fit the image', run: () => setZoom(1), when: inside },
      { key: 'h', label: 'Pan tool (image)', run: () => setMode('pan'), when: inside },
      helpOnly('Space (hold)', 'Pan the image while held; Ctrl+wheel zooms'),
      ...(readOnly ? [] : [
        ...toolBtnsKeys(),
        { key: 'v', label: 'Select and edit regions', run: () => setMode('select'), when: inside },
        { key: 'Delete', label: 'Delete the selected region', run: deleteSelected, when: () => inside() && !!selected },
        helpOnly('Escape', 'Cancel the drawing or the selection (image)'),
      ]),
    ],
    focus() { stage.focus(); },
    destroy() {
      ro.disconnect();
      removeEventListener('keyup', onKeyUp);
      if (anno) anno.destroy();
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
    },
  };
  function toolBtnsKeys() {
    return [...new Set(regionFields.map((f) => f.type))].map((t) =>
      ({ key: TOOLS[t].key, label: `${TOOLS[t].name} tool`, run: () => pickTool(t), when: inside }));
  }
}
