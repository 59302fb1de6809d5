// audio.js: the 'audio' surface (audio and video views): a wavesurfer.js 8
// waveform with its regions plugin. Drag on the waveform to mark a segment
// (or press [ and ] at the play head), pick its label by key or button, type
// its text in the list; space plays and pauses, `l` loops the selected
// segment. Results are seconds, rounded to milliseconds.
// CSP: wavesurfer writes a <style> element into its shadow root (refused by
// style-src 'self'); adoptShadowStyles() moves that CSS into a constructed
// stylesheet adopted by the same shadow root (CSSOM, which the CSP allows),
// so no hash or nonce is needed on the server.
import WaveSurfer from 'wavesurfer.js';
import RegionsPlugin from 'wavesurfer.js/dist/plugins/regions.esm.js';
import { h, mount, safeUrl } from '../lib/dom.js';
import { labelPicker, errorLine, keyName, round3, fieldLists, keepFocus } from './surfaces.js';

const PALETTE = ['37,99,235', '220,38,38', '22,163,74', '217,119,6', '147,51,234', '8,145,178', '219,39,119', '101,163,13', '124,58,237', '234,88,12'];
let seq = 0;

/** Run fn with attachShadow patched so that a <style> written into a new
 *  shadow root through innerHTML becomes an adopted stylesheet instead. */
function adoptShadowStyles(fn) {
  const attach = Element.prototype.attachShadow;
  const inner = Object.getOwnPropertyDescriptor(ShadowRoot.prototype, 'innerHTML');
  Element.prototype.attachShadow = function (init) {
    const root = attach.call(this, init);
    Object.defineProperty(root, 'innerHTML', {
      configurable: true,
      get() { return inner.get.call(root); },
      set(html) {
        const css = [];
        const rest = String(html).replace(/<style[^>]*>([\s\S]*?)<\/style>/gi, (_, c) => { css.push(c); return ''; });
        if (css.length) {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync(css.join('\n'));
          root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
        }
        delete root.innerHTML;
        inner.set.call(root, rest);
      },
    });
    return root;
  };
  try { return fn(); } finally { Element.prototype.attachShadow = attach; }
}

const fmt = (t) => {
  if (!Number.isFinite(t)) return '0:00.0';
  const m = Math.floor(t / 60), s = t - m * 60;
  return `${m}:${s < 10 ? '0' : ''}${s.toFixed(1)}`;
};

export function audioSurface({ source, view, value, fields, readOnly, initial, onChange }) {
  const segFields = fields.filter((f) => f.type === 'segments');
  const byName = (n) => segFields.find((f) => f.name === n);
  const errs = errorLine();
  let segs = [];        // [{key, r: Region, field, label, text, id?}]
  let selected = null;  // key
  let loop = false, markStart = null, ready = false, pending = initial || {};
  const changed = () => { renderList(); if (onChange) onChange(); };

  const isVideo = view && view.kind === 'video';
  const url = safeUrl(value, true);
  const media = isVideo ? h('video', { class: 'au-video', src: url, preload: 'auto', playsinline: true, 'aria-label': `Video ${source}` }) : null;
  const wave = h('div', { class: 'au-wave', role: 'application',
    'aria-label': `Waveform of ${source}: drag to mark a segment; space plays` });
  const playBtn = h('button', { type: 'button', class: 'au-play', 'aria-label': 'Play (space)', onclick: () => ws.playPause() }, '▶ Play');
  const loopBtn = h('button', { type: 'button', 'aria-pressed': 'false', 'aria-label': 'Loop the selected segment (l)',
    onclick: () => toggleLoop() }, 'Loop ', h('kbd', null, 'l'));
  const time = h('span', { class: 'au-time', 'aria-live': 'off' }, '0:00.0 / 0:00.0');
  const picker = labelPicker(segFields, (field, label) => relabelSelected(field, label), { readOnly, title: 'Segment label' });
  const list = h('ul', { class: 'surf-list au-list', 'aria-label': 'Segments' });
  const HINT = 'Drag on the waveform, or press [ and ] at the play head, to mark a segment.';
  const hint = h('span', { class: 'muted au-hint', 'aria-live': 'polite' }, HINT);
  const el = h('div', { class: 'srf au-surface' + (readOnly ? ' readonly' : ''), tabindex: '-1', dataset: { source } },
    readOnly ? null : h('div', { class: 'surf-toolbar' }, picker.el),
    media, wave,
    h('div', { class: 'surf-actions' }, playBtn, loopBtn, time,
      readOnly ? null : hint),
    errs.el,
    h('section', null, h('h3', null, 'Segments'), list));

  const regions = RegionsPlugin.create();
  const ws = adoptShadowStyles(() => WaveSurfer.create({
    container: wave, height: 96, url: isVideo ? undefined : url, media: media || undefined,
    waveColor: '#9aa5b8', progressColor: '#2457d6', cursorColor: '#111827', cursorWidth: 2,
    normalize: true, dragToSeek: false, plugins: [regions],
  }));
  if (isVideo) ws.load(url).catch(() => {}); // errors arrive as 'error' events too
  const colorOf = (field, label, a = 0.25) => {
    const i = picker.entries.findIndex((e) => e.field.name === field && e.label === label);
    return `rgba(${PALETTE[(i < 0 ? 0 : i) % PALETTE.length]},${a})`;
  };

  // Media on another origin without CORS plays in an <audio>/<video> but
  // cannot be fetched for its waveform: then a flat line of the media's
  // length (wavesurfer skips the fetch when given peaks and a duration), so
  // segments can still be marked by ear.
  let flat = false, notice = [];
  ws.on('error', (e) => {
    if (!flat && !ready) {
      flat = true;
      const probe = document.createElement(isVideo ? 'video' : 'audio');
      probe.preload = 'metadata';
      probe.addEventListener('loadedmetadata', () => {
        notice = ['The waveform of this medium cannot be read here (another site without CORS); play it and mark segments by ear.'];
        errs.show(notice);
        ws.load(url, [[0, 0]], probe.duration).catch(() => {});
      }, { once: true });
      probe.addEventListener('error', () => errs.show([`The medium for ${source} could not be loaded.`]), { once: true });
      probe.src = url;
      return;
    }
    if (!ready) errs.show([`The medium for ${source} could not be loaded${e && e.message ? ': ' + e.message : ''}.`]);
  });
  ws.on('ready', () => {
    ready = true;
    el.dataset.ready = '1'; // what tests and scripts wait for: segments can be marked from here on
    if (!readOnly) regions.enableDragSelection({ color: 'rgba(36,87,214,0.2)' });
    set(pending);
    showTime();
  });
  ws.on('timeupdate', () => showTime());
  ws.on('play', () => { playBtn.textContent = '❚❚ Pause'; playBtn.setAttribute('aria-label', 'Pause (space)'); });
  ws.on('pause', () => { playBtn.textContent = '▶ Play'; playBtn.setAttribute('aria-label', 'Play (space)'); });
  function showTime() { time.textContent = `${fmt(ws.getCurrentTime())} / ${fmt(ws.getDuration())}`; }

  let adding = false;
  regions.on('region-created', (r) => {
    if (adding) return;
    // made by a drag on the waveform
    const e = picker.active();
    if (readOnly || !e) { r.remove(); return; }
    const s = { key: 'g' + (++seq), r, field: e.field.name, label: e.label, text: '' };
    style(s);
    segs.push(s);
    segs.sort((a, b) => a.r.start - b.r.start);
    select(s.key);
    changed();
  });
  regions.on('region-updated', () => { segs.sort((a, b) => a.r.start - b.r.start); changed(); });
  regions.on('region-clicked', (r, ev) => {
    ev.stopPropagation();
    const s = segs.find((x) => x.r === r);
    if (s) select(s.key);
  });
  regions.on('region-out', (r) => {
    const s = sel();
    if (loop && s && s.r === r) r.play();
  });

  function style(s) {
    s.r.setOptions({ color: colorOf(s.field, s.label, s.key === selected ? 0.42 : 0.22), content: s.label,
      drag: !readOnly, resize: !readOnly });
  }
  const sel = () => segs.find((x) => x.key === selected);
  function select(key) {
    selected = key;
    const s = sel();
    if (s) picker.setActive(s.field, s.label);
    for (const x of segs) style(x);
    renderList();
  }
  function relabelSelected(field, label) {
    const s = sel();
    if (!s || readOnly) return;
    s.field = field.name; s.label = label;
    style(s);
    changed();
  }
  function deleteSelected() {
    const s = sel();
    if (!s || readOnly) return;
    s.r.remove();
    segs = segs.filter((x) => x !== s);
    selected = null;
    el.focus();
    changed();
  }
  function toggleLoop() {
    loop = !loop;
    loopBtn.setAttribute('aria-pressed', String(loop));
    const s = sel();
    if (loop && s) s.r.play();
  }
  function addSegment(field, label, start, end, text, id, fromUser) {
    adding = true;
    const r = regions.addRegion({ start, end, drag: !readOnly, resize: !readOnly });
    adding = false;
    const s = { key: 'g' + (++seq), r, field, label, text: text || '', id };
    style(s);
    segs.push(s);
    segs.sort((a, b) => a.r.start - b.r.start);
    if (fromUser) { select(s.key); changed(); }
    return s;
  }
  function mark(which) {
    if (readOnly) return;
    // before 'ready' a mark would be wiped by set(pending): say so, never drop it silently
    if (!ready) { hint.textContent = 'The medium is still loading: mark segments once its waveform shows.'; return; }
    const t = ws.getCurrentTime();
    if (which === 'start') { markStart = t; hint.textContent = `Segment start marked at ${fmt(t)}: press ] at its end.`; return; }
    const e = picker.active();
    if (markStart === null || !e) return;
    const [a, b] = [Math.min(markStart, t), Math.max(markStart, t)];
    markStart = null;
    hint.textContent = HINT;
    if (b - a < 0.01) { errs.show(['A segment needs a length.']); return; }
    errs.show([]);
    addSegment(e.field.name, e.label, a, b, '', undefined, true);
  }

  function renderList() {
    const refocus = keepFocus(el, el);
    mount(list, segs.length ? segs.map((s, n) => {
      const input = h('input', { type: 'text', class: 'au-text', value: s.text, readonly: readOnly, dataset: { key: 't:' + s.key },
        'aria-label': `Text of segment ${n + 1} (${s.label})`, placeholder: 'Text (optional)',
        oninput: (ev) => { s.text = ev.target.value; if (onChange) onChange(); },
        onfocus: () => { if (selected !== s.key) { selected = s.key; for (const x of segs) style(x); markSelected(); } } });
      return h('li', { class: s.key === selected ? 'selected' : null, dataset: { seg: s.key } },
        h('button', { type: 'button', class: 'surf-item au-item', dataset: { key: 's:' + s.key }, 'aria-pressed': String(s.key === selected),
          'aria-label': `Segment ${n + 1}: ${s.label}, ${fmt(s.r.start)} to ${fmt(s.r.end)}`, onclick: () => select(s.key) },
        h('span', { class: 'chip ' + picker.colorOf(s.field, s.label) }, s.label), ' ',
        h('span', { class: 'muted' }, `${fmt(s.r.start)}–${fmt(s.r.end)}`)),
        input,
        h('button', { type: 'button', class: 'icon', 'aria-label': `Play segment ${n + 1}`, onclick: () => s.r.play() }, '▶'),
        readOnly ? null : h('button', { type: 'button', class: 'icon', dataset: { key: 'del' }, 'aria-label': `Delete segment ${n + 1}`,
          onclick: () => { selected = s.key; deleteSelected(); } }, '×'));
    }) : h('li', { class: 'muted' }, readOnly ? 'No segments.' : 'No segments yet.'));
    refocus();
  }
  function markSelected() {
    for (const li of list.children) li.classList.toggle('selected', li.dataset.seg === selected);
  }

  function onKey(ev) {
    if (ev.defaultPrevented || /^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName)) return;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    const k = keyName(ev);
    if (k === ' ' && ev.target.tagName !== 'BUTTON') { ev.preventDefault(); ws.playPause(); return; }
    if (k === 'l') { ev.preventDefault(); toggleLoop(); return; }
    if (readOnly) return;
    if (picker.handleKey(ev)) { ev.preventDefault(); return; }
    if (k === '[' || k === ']') { ev.preventDefault(); mark(k === '[' ? 'start' : 'end'); return; }
    if ((k === 'Delete' || k === 'Backspace') && sel()) { ev.preventDefault(); deleteSelected(); return; }
    if (k === 'Escape' && selected) { ev.preventDefault(); select(null); }
  }
  el.addEventListener('keydown', onKey);
  wave.addEventListener('pointerdown', () => { if (!el.contains(document.activeElement)) el.focus({ preventScroll: true }); });

  function set(obj) {
    pending = obj || {};
    if (!ready) return;
    for (const s of segs) s.r.remove();
    segs = []; selected = null;
    const bad = [];
    for (const f of segFields) {
      for (const g of Array.isArray(pending[f.name]) ? pending[f.name] : []) {
        if (!(Number.isFinite(g.start) && Number.isFinite(g.end) && g.start >= 0 && g.start < g.end)) { bad.push(`${f.name}: dropped a segment without a length.`); continue; }
        if (!(f.labels || []).includes(g.label)) { bad.push(`${f.name}: dropped a segment labelled "${g.label}".`); continue; }
        addSegment(f.name, g.label, g.start, g.end, typeof g.text === 'string' ? g.text : '', typeof g.id === 'string' ? g.id : undefined, false);
      }
    }
    errs.show([...notice, ...bad]);
    renderList();
  }
  renderList();

  const inside = () => el.contains(document.activeElement);
  return {
    el,
    get() {
      if (!ready) return fieldLists(segFields, pending); // not loaded yet: what we were given
      const out = fieldLists(segFields);
      for (const s of segs) {
        const f = byName(s.field);
        const start = round3(s.r.start), end = round3(s.r.end);
        if (!f || !(start < end) || !(f.labels || []).includes(s.label)) continue;
        const item = { start, end, label: s.label };
        if (s.text.trim()) item.text = s.text;
        if (s.id) item.id = s.id;
        out[f.name].push(item);
      }
      return out;
    },
    set,
    keys: [
      { key: ' ', label: 'Play or pause (audio)', run: () => ws.playPause(), when: inside },
      { key: 'l', label: 'Loop the selected segment', run: toggleLoop, when: inside },
      ...(readOnly ? [] : [
        ...picker.keys(),
        { key: '[', label: 'Mark a segment start at the play head', run: () => mark('start'), when: inside },
        { key: ']', label: 'Mark the segment end and add it', run: () => mark('end'), when: inside },
        { key: 'Delete', label: 'Delete the selected segment', run: deleteSelected, when: () => inside() && !!sel() },
      ]),
    ],
    focus() { el.focus(); },
    destroy() { el.removeEventListener('keydown', onKey); ws.destroy(); },
  };
}
