// media.test.mjs: the region surfaces (web/src/widgets/surfaces.js) labelled
// start to finish in Chromium as the demo annotator, one task of each demo
// project, in the real labeling loop: a box and a polygon on the driving
// scene (with zoom and pan, a stray box deleted from the list), an audio
// segment with its text, NER spans and a relation, a span on code; each
// submitted with Ctrl+Enter, then the export must hold exactly those labels
// (boxes within a tolerance, span offsets exact). Projects made here add
// keypoints and a video view. A last test renders stored values read-only
// (an astral character before a span checks the code-point offsets).
//
// The read-only check runs in a minimal host page built here with esbuild
// (the surfaces alone, readOnly, with chosen data and values), served behind
// a small proxy that sets the server's own CSP and signs API calls with the
// demo annotator's token. The same host can label too (it answers the other
// fields itself and binds Ctrl+Enter): it is used for everything when the
// server does not serve the UI or the form lacks the surfaces.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { DEMO, REPO, SLOW, apiAs, assertClean, exportJsonl, launch, newPage, projectByName, screenshot, signIn, startServer } from './harness.mjs';

// The page's policy: the server's own (src/web/web.h) when it serves the UI.
let CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https: http:; " +
  "media-src 'self' blob: data: https: http:; connect-src 'self' https: http:; object-src 'none'; frame-ancestors 'none'";
const T = 15000 * SLOW;

let srv, browser, host, manager;

// --- the two hosts --------------------------------------------------------

const formUsesSurfaces = () => /surfaces/.test(readFileSync(join(REPO, 'web', 'src', 'form.js'), 'utf8'));

const HOST_JS = (repo) => `
import ${JSON.stringify(repo + '/web/src/app.css')};
import ${JSON.stringify(repo + '/web/src/widgets/surfaces.js')};
import { surfaceFactory, surfaceKindOf } from ${JSON.stringify(repo + '/web/src/widgets/registry.js')};
import { pushKeys } from ${JSON.stringify(repo + '/web/src/lib/keys.js')};
const q = new URLSearchParams(location.search);
const j = async (m, p, b) => { const r = await fetch(p, { method: m, headers: b ? { 'Content-Type': 'application/json' } : {}, body: b ? JSON.stringify(b) : undefined });
  const t = await r.text(); if (!r.ok) throw new Error(m + ' ' + p + ': ' + r.status + ' ' + t); return t ? JSON.parse(t) : null; };
const KIND = { image: 'image', audio: 'audio', video: 'audio', text: 'text', markdown: 'text', code: 'text' };
(async () => {
  const main = document.getElementById('app');
  const status = document.createElement('p'); status.id = 'status'; status.setAttribute('role', 'status');
  const ps = await j('GET', '/api/v1/projects');
  const p = ps.projects.find((x) => x.name === q.get('p'));
  const schema = (await j('GET', '/api/v1/projects/' + p.id)).schema;
  const lease = q.get('data') ? null : await j('POST', '/api/v1/projects/' + p.id + '/next');
  const data = lease ? lease.task.data : JSON.parse(q.get('data'));
  const surfaces = [];
  for (const v of schema.views || []) {
    const kind = KIND[v.kind]; if (!kind) continue;
    const fields = schema.fields.filter((f) => f.source === v.source && surfaceKindOf(f.type));
    const spans = fields.filter((f) => f.type === 'spans').map((f) => f.name);
    fields.push(...schema.fields.filter((f) => f.type === 'relations' && spans.includes(f.field)));
    if (!fields.length) continue;
    const s = surfaceFactory(kind)({ source: v.source, view: v, value: data[v.source], data, schema, fields,
      readOnly: q.get('ro') === '1', initial: JSON.parse(q.get('init') || '{}'), onChange() {} });
    main.append(s.el); surfaces.push(s);
    if (s.keys && s.keys.length) pushKeys('surface ' + v.source, s.keys);
  }
  main.append(status);
  const get = () => Object.assign({}, ...surfaces.map((s) => s.get()));
  window.__host = { get, answers: {} };
  pushKeys('host', [{ key: 'Ctrl+Enter', label: 'Submit', run: async () => {
    try {
      await j('POST', '/api/v1/tasks/' + lease.task.id + '/annotations', { lease_id: lease.lease.id, result: { ...get(), ...window.__host.answers } });
      status.textContent = 'Submitted.'; document.body.dataset.submitted = '1';
    } catch (e) { status.textContent = String(e.message); }
  } }]);
  document.body.dataset.ready = '1';
})().catch((e) => { document.body.dataset.failed = String(e.message); });
`;

/** The minimal host page (see the header): {url, open, answer, submit, stop}. */
async function devHost() {
  const req = createRequire(join(REPO, 'web', 'package.json'));
  const { build } = req('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'tally-surfaces-'));
  writeFileSync(join(dir, 'host.js'), HOST_JS(REPO));
  await build({ entryPoints: { host: join(dir, 'host.js') }, bundle: true, format: 'esm', outdir: join(dir, 'out'),
    logLevel: 'error', loader: { '.woff2': 'file', '.svg': 'file', '.png': 'file' } });
  const login = await apiAs(srv, '', 'POST', '/api/v1/auth/login', DEMO.annotator);
  assert.equal(login.status, 200, login.text);
  const token = login.json.token;
  const server = http.createServer((rq, rs) => {
    try {
      if (rq.url.startsWith('/host.html')) {
        rs.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': CSP });
        return rs.end('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Surfaces</title>' +
          '<link rel="stylesheet" href="/out/host.css"><script type="module" src="/out/host.js"></script></head>' +
          '<body><main id="app"></main></body></html>');
      }
      if (rq.url.startsWith('/out/') && existsSync(join(dir, 'out', rq.url.slice(5).split('?')[0]))) {
        const f = rq.url.slice(5).split('?')[0];
        rs.writeHead(200, { 'Content-Type': f.endsWith('.js') ? 'text/javascript' : 'text/css', 'Content-Security-Policy': CSP });
        return rs.end(readFileSync(join(dir, 'out', f)));
      }
      if (!rq.url.startsWith('/api/')) { rs.writeHead(404); return rs.end(); }
      // one connection per request (agent: false closes it): idle keep-alive
      // connections would hold the server's connection slots
      const headers = { Authorization: 'Bearer ' + token };
      for (const k of ['content-type', 'content-length', 'range']) if (rq.headers[k]) headers[k] = rq.headers[k];
      const up = http.request(srv.url + rq.url, { method: rq.method, headers, agent: false }, (r) => {
        const out = {};
        for (const k of ['content-type', 'content-length', 'content-range', 'accept-ranges']) if (r.headers[k]) out[k] = r.headers[k];
        rs.writeHead(r.statusCode, out);
        r.pipe(rs);
      });
      up.on('error', (e) => { rs.writeHead(502); rs.end(String(e)); });
      rq.pipe(up);
      return;
    } catch (e) { rs.writeHead(500); rs.end(String(e)); }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    real: false,
    async open(page, name, { ro, init, data } = {}) {
      const q = new URLSearchParams({ p: name });
      if (ro) q.set('ro', '1');
      if (init) q.set('init', JSON.stringify(init));
      if (data) q.set('data', JSON.stringify(data));
      await page.goto(`${url}/host.html?${q}`);
      await page.waitForFunction(() => document.body.dataset.ready || document.body.dataset.failed, null, { timeout: T });
      assert.equal(await page.evaluate(() => document.body.dataset.failed), undefined);
    },
    async answer(page, answers) { await page.evaluate((a) => Object.assign(window.__host.answers, a), answers); },
    async submit(page) {
      await page.keyboard.press('Control+Enter');
      await page.waitForFunction(() => document.body.dataset.submitted || /\d{3}/.test(document.getElementById('status').textContent), null, { timeout: T });
      assert.equal(await page.locator('#status').textContent(), 'Submitted.');
    },
    stop: () => { server.close(); rmSync(dir, { recursive: true, force: true }); },
  };
}

/** The real labeling loop: sign in, click the project's name, answer the
 *  form's own fields through their accessible names, Ctrl+Enter. */
function realHost() {
  return {
    real: true,
    async open(page, name) {
      await signIn(page, srv, DEMO.annotator);
      await page.getByText(name, { exact: true }).first().click();
      await page.locator('.srf').first().waitFor({ timeout: T });
    },
    async answer(page, answers) {
      // a choice field is a radio group named after the field; a text field a textbox
      for (const [field, v] of Object.entries(answers)) {
        const group = page.getByRole('radiogroup', { name: field, exact: true });
        if (await group.count()) {
          await group.getByRole('radio', { name: new RegExp(`(^|\\s)${v}(\\s|$)`) }).check();
        } else {
          await page.getByRole('textbox', { name: field, exact: true }).fill(v);
        }
      }
    },
    async submit(page) {
      const surface = await page.locator('.srf').first().elementHandle();
      await page.keyboard.press('Control+Enter');
      await page.waitForFunction((s) => !s.isConnected, surface, { timeout: T });
    },
    stop() {},
  };
}

before(async () => {
  srv = await startServer();
  browser = await launch();
  const r = await apiAs(srv, '', 'POST', '/api/v1/auth/login', DEMO.manager);
  manager = r.json.token;
  const index = await fetch(srv.url + '/').catch(() => null);
  const served = !!index && index.ok && !!index.headers.get('content-type')?.includes('html');
  if (served && index.headers.get('content-security-policy')) CSP = index.headers.get('content-security-policy');
  host = { dev: await devHost() };
  host.label = served && formUsesSurfaces() ? realHost() : host.dev;
});

after(async () => {
  if (browser) await browser.close();
  if (host && host.dev) host.dev.stop();
  if (srv) await srv.stop();
});

// --- helpers ---------------------------------------------------------------

async function onlyResult(name) {
  const p = await projectByName(srv, manager, name);
  const lines = await exportJsonl(srv, manager, p.id);
  const results = lines.flatMap((l) => (l.annotations || []).map((a) => a.result));
  assert.equal(results.length, 1, 'one annotation in the export: ' + JSON.stringify(lines));
  return results[0];
}
const near = (a, b, tol, what) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} is not within ${tol} of ${b}`);

/** Screen point of (x%, y%) of the image. */
async function imgAt(page, x, y) {
  const r = await page.locator('.img-canvas img').boundingBox();
  return [r.x + (x / 100) * r.width, r.y + (y / 100) * r.height];
}

/** Drag-select `needle` in a CodeMirror text surface with the mouse. */
async function selectText(page, needle) {
  const r = await page.evaluate((needle) => {
    const c = document.querySelector('.sp-surface .cm-content');
    const w = document.createTreeWalker(c, NodeFilter.SHOW_TEXT);
    let full = '';
    const nodes = [];
    for (let n; (n = w.nextNode());) { nodes.push([n, full.length]); full += n.data; }
    const at = full.indexOf(needle);
    const pos = (o) => { for (let i = nodes.length - 1; i >= 0; i--) if (nodes[i][1] <= o) return [nodes[i][0], o - nodes[i][1]]; return null; };
    const range = document.createRange();
    range.setStart(...pos(at)); range.setEnd(...pos(at + needle.length));
    const rects = range.getClientRects(), f = rects[0], l = rects[rects.length - 1];
    return { x1: f.left, y1: f.top + f.height / 2, x2: l.right, y2: l.top + l.height / 2 };
  }, needle);
  await page.mouse.move(r.x1 + 1, r.y1);
  await page.mouse.down();
  await page.mouse.move((r.x1 + r.x2) / 2, r.y2, { steps: 3 });
  await page.mouse.move(r.x2 - 1, r.y2, { steps: 3 });
  await page.mouse.up();
}

// --- the tests -------------------------------------------------------------

test('image: a box and a polygon drawn with the mouse, zoom and pan, exported in percent', async () => {
  const page = await newPage(browser);
  await host.label.open(page, 'Example: driving scene boxes and polygons');
  await page.locator('.img-surface .a9s-annotationlayer').waitFor({ timeout: T });
  // a box around the red car (20,70)-(40,85) with the active label car
  await page.getByRole('button', { name: /^objects: car/ }).click();
  let [x1, y1] = await imgAt(page, 20, 70);
  let [x2, y2] = await imgAt(page, 40, 85);
  await page.mouse.move(x1, y1); await page.mouse.down();
  await page.mouse.move(x2, y2, { steps: 8 }); await page.mouse.up();
  await page.getByRole('button', { name: /^car \(objects\): box/ }).waitFor();
  // the road as a polygon: its label by key (6 = drivable: road), four clicks, close on the first point
  await page.keyboard.press('Escape');
  await page.keyboard.press('6');
  assert.equal(await page.getByRole('button', { name: 'Polygon tool (g)' }).getAttribute('aria-pressed'), 'true');
  for (const [x, y] of [[5, 98], [35, 55], [65, 55], [95, 98], [5, 98]]) {
    const [a, b] = await imgAt(page, x, y);
    await page.mouse.move(a, b, { steps: 3 }); await page.mouse.down(); await page.mouse.up();
  }
  await page.getByRole('button', { name: /^road \(drivable\): polygon, 4 points/ }).waitFor();
  // a stray box (on the blue car, key 2 = truck), picked from the list by keyboard and deleted
  await page.keyboard.press('Escape');
  await page.keyboard.press('2');
  [x1, y1] = await imgAt(page, 56, 61); [x2, y2] = await imgAt(page, 66, 68);
  await page.mouse.move(x1, y1); await page.mouse.down();
  await page.mouse.move(x2, y2, { steps: 8 }); await page.mouse.up();
  const stray = page.getByRole('button', { name: /^truck \(objects\): box/ });
  await stray.waitFor();
  await page.keyboard.press('Escape');
  await stray.focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('Delete');
  await stray.waitFor({ state: 'detached' });
  // zoom in by key and by Ctrl+wheel, pan with space held
  await page.locator('.img-stage').focus();
  await page.keyboard.press('+');
  const [cx, cy] = await imgAt(page, 50, 50);
  await page.mouse.move(cx, cy);
  await page.keyboard.down('Control'); await page.mouse.wheel(0, -100); await page.keyboard.up('Control');
  await page.waitForFunction(() => document.querySelector('.img-zoom').textContent === '200%');
  const before = await page.locator('.img-stage').evaluate((s) => [s.scrollLeft, s.scrollTop]);
  await page.keyboard.down(' ');
  await page.mouse.down(); await page.mouse.move(cx - 150, cy - 80, { steps: 5 }); await page.mouse.up();
  await page.keyboard.up(' ');
  const after_ = await page.locator('.img-stage').evaluate((s) => [s.scrollLeft, s.scrollTop]);
  assert.ok(after_[0] > before[0] && after_[1] > before[1], `space+drag pans: ${before} -> ${after_}`);
  await page.keyboard.press('0'); // back to the whole image for the screenshot
  await page.waitForFunction(() => document.querySelector('.img-zoom').textContent === '100%');
  await host.label.answer(page, { weather: 'clear' });
  await screenshot(page, 'label-image');
  await host.label.submit(page);
  assertClean(page, assert);
  await page.context().close();

  const r = await onlyResult('Example: driving scene boxes and polygons');
  assert.equal(r.weather, 'clear');
  assert.equal(r.objects.length, 1);
  const box = r.objects[0];
  assert.equal(box.label, 'car');
  near(box.x, 20, 1, 'x'); near(box.y, 70, 1, 'y'); near(box.width, 20, 1, 'width'); near(box.height, 15, 1, 'height');
  assert.equal(r.drivable.length, 1);
  assert.equal(r.drivable[0].label, 'road');
  const want = [[5, 98], [35, 55], [65, 55], [95, 98]];
  assert.equal(r.drivable[0].points.length, 4);
  r.drivable[0].points.forEach(([x, y], i) => { near(x, want[i][0], 1, `point ${i} x`); near(y, want[i][1], 1, `point ${i} y`); });
});

test('audio: a segment dragged on the waveform, its label and text', async () => {
  const page = await newPage(browser);
  await host.label.open(page, 'Example: audio transcription with segments');
  await page.waitForFunction(() => document.querySelector('.au-wave > div')?.shadowRoot?.querySelector('canvas'), null, { timeout: T });
  await page.locator('.au-surface[data-ready]').waitFor({ timeout: T }); // drag selection is on from 'ready'
  await page.waitForFunction(() => /\/ 0:02\.0$/.test(document.querySelector('.au-time').textContent), null, { timeout: T });
  const w = await page.locator('.au-wave').boundingBox();
  // the demo's dialogue is 2 s: 440 Hz for 0..0.8 s, silence, 660 Hz from 1.2 s
  await page.mouse.move(w.x + w.width * 0.01, w.y + w.height / 2); await page.mouse.down();
  await page.mouse.move(w.x + w.width * 0.4, w.y + w.height / 2, { steps: 10 }); await page.mouse.up();
  await page.keyboard.press('1');
  await page.getByLabel('Text of segment 1 (speaker_1)').fill('(440 Hz tone)');
  await page.locator('.au-surface').focus();
  await page.keyboard.press(' ');
  await page.getByRole('button', { name: 'Pause (space)' }).waitFor({ timeout: T });
  await page.keyboard.press(' ');
  await host.label.answer(page, { language: 'other' });
  await screenshot(page, 'label-audio');
  await host.label.submit(page);
  assertClean(page, assert);
  await page.context().close();

  const r = await onlyResult('Example: audio transcription with segments');
  assert.equal(r.language, 'other');
  assert.equal(r.utterances.length, 1);
  const s = r.utterances[0];
  assert.equal(s.label, 'speaker_1');
  assert.equal(s.text, '(440 Hz tone)');
  near(s.start, 0.02, 0.06, 'start'); near(s.end, 0.8, 0.06, 'end');
});

test('text: spans selected with the mouse, labelled by key, and a relation', async () => {
  const page = await newPage(browser);
  await host.label.open(page, 'Example: named entities and relations');
  await selectText(page, 'Ada Lovelace');
  await page.keyboard.press('1'); // PER
  // entities do not allow overlap: a span across Ada Lovelace's end is refused
  await selectText(page, 'Lovelace worked');
  await page.keyboard.press('2');
  await page.locator('.sp-surface .surf-errors', { hasText: 'may not overlap' }).waitFor();
  await selectText(page, 'London');
  await page.getByRole('button', { name: /^LOC/ }).click();
  await page.getByRole('button', { name: /^PER: Ada Lovelace/ }).click();
  await page.keyboard.press('r');
  await page.getByRole('button', { name: /^LOC: London/ }).click();
  await page.getByRole('button', { name: /^Relation located_in/ }).waitFor();
  await page.keyboard.press('2'); // works_for, located_in, founded_on
  await page.getByRole('list', { name: 'Relations' }).getByText('located_in').waitFor();
  await screenshot(page, 'label-spans');
  await host.label.submit(page);
  assertClean(page, assert);
  await page.context().close();

  const r = await onlyResult('Example: named entities and relations');
  assert.deepEqual(r.entities, [{ start: 0, end: 12, label: 'PER' }, { start: 44, end: 50, label: 'LOC' }]);
  assert.deepEqual(r.relations, [{ from: 0, to: 1, label: 'located_in' }]);
});

test('code: a span selected on highlighted code with line numbers', async () => {
  const page = await newPage(browser);
  await host.label.open(page, 'Example: code review with spans on code');
  await page.locator('.sp-code .cm-lineNumbers').waitFor();
  await selectText(page, `"SELECT * FROM users WHERE name = '" + name + "'"`);
  await page.keyboard.press('2'); // security
  await page.getByRole('button', { name: /^security: "SELECT/ }).waitFor();
  await host.label.answer(page, { verdict: 'request_changes', comment: 'Use a bound parameter.' });
  await screenshot(page, 'label-code');
  await host.label.submit(page);
  assertClean(page, assert);
  await page.context().close();

  const r = await onlyResult('Example: code review with spans on code');
  assert.deepEqual(r.issues, [{ start: 47, end: 96, label: 'security' }]);
  assert.equal(r.verdict, 'request_changes');
  assert.equal(r.comment, 'Use a bound parameter.');
});

test('keypoints: clicked on the image, relabelled, dragged, one deleted by key', async () => {
  // no demo project has keypoints: one made here, on the demo's road frame
  const driving = await projectByName(srv, manager, 'Example: driving scene');
  const frame = (await exportJsonl(srv, manager, driving.id))[0].data.frame;
  const name = 'Keypoints on the road';
  const created = await apiAs(srv, manager, 'POST', '/api/v1/projects', { name, schema: {
    views: [{ source: 'frame', kind: 'image' }],
    fields: [{ name: 'marks', type: 'keypoints', source: 'frame', labels: ['light', 'wheel'] }] } });
  assert.equal(created.status, 201, created.text);
  const pid = created.json.id;
  assert.equal((await apiAs(srv, manager, 'POST', `/api/v1/projects/${pid}/tasks`, [{ frame }])).status, 201);
  assert.equal((await apiAs(srv, manager, 'POST', `/api/v1/projects/${pid}/members`, { email: DEMO.annotator.email })).status, 201);

  const page = await newPage(browser);
  await host.label.open(page, name);
  await page.locator('.img-surface .a9s-annotationlayer').waitFor({ timeout: T });
  assert.equal(await page.getByRole('button', { name: 'Point tool (k)' }).getAttribute('aria-pressed'), 'true');
  let [x, y] = await imgAt(page, 30, 30);
  await page.mouse.click(x, y);
  await page.keyboard.press('2'); // relabel the new point: wheel
  await page.getByRole('button', { name: /^wheel point at 30/ }).waitFor();
  const p = await page.getByRole('button', { name: /^wheel point at 30/ }).boundingBox();
  [x, y] = await imgAt(page, 60, 40);
  await page.mouse.move(p.x + p.width / 2, p.y + p.height / 2); await page.mouse.down();
  await page.mouse.move(x, y, { steps: 6 }); await page.mouse.up();
  await page.keyboard.press('Escape'); // deselect, so that 1 picks the next point's label only
  await page.keyboard.press('1');
  [x, y] = await imgAt(page, 80, 20);
  await page.mouse.click(x, y);
  await page.getByRole('button', { name: /^light point at 80/ }).waitFor();
  await page.keyboard.press('Delete');
  await page.getByRole('button', { name: /^light point/ }).waitFor({ state: 'detached' });
  await host.label.submit(page);
  assertClean(page, assert);
  await page.context().close();

  const r = await onlyResult(name);
  assert.equal(r.marks.length, 1);
  assert.equal(r.marks[0].label, 'wheel');
  near(r.marks[0].x, 60, 1, 'x'); near(r.marks[0].y, 40, 1, 'y');
});

test('video view: segments marked from the keyboard at the play head ([ and ])', async () => {
  // a <video> plays the demo's WAV as well as a film: enough for the video path
  const audioProject = await projectByName(srv, manager, 'Example: audio transcription');
  const audio = (await exportJsonl(srv, manager, audioProject.id))[0].data.audio;
  const name = 'Segments on a video';
  const created = await apiAs(srv, manager, 'POST', '/api/v1/projects', { name, schema: {
    views: [{ source: 'clip', kind: 'video' }],
    fields: [{ name: 'scenes', type: 'segments', source: 'clip', labels: ['intro', 'talk'] }] } });
  assert.equal(created.status, 201, created.text);
  const pid = created.json.id;
  assert.equal((await apiAs(srv, manager, 'POST', `/api/v1/projects/${pid}/tasks`, [{ clip: audio }])).status, 201);
  assert.equal((await apiAs(srv, manager, 'POST', `/api/v1/projects/${pid}/members`, { email: DEMO.annotator.email })).status, 201);

  const page = await newPage(browser);
  await host.label.open(page, name);
  await page.locator('.au-surface video.au-video').waitFor();
  // the duration shows from the media's metadata, before the waveform is decoded: wait for the surface itself
  await page.locator('.au-surface[data-ready]').waitFor({ timeout: T });
  await page.waitForFunction(() => /\/ 0:02\.0$/.test(document.querySelector('.au-time').textContent), null, { timeout: T });
  const w = await page.locator('.au-wave').boundingBox();
  await page.mouse.click(w.x + w.width * 0.25, w.y + w.height / 2); // seek to 0.5 s
  await page.waitForFunction(() => /^0:00\.5 /.test(document.querySelector('.au-time').textContent));
  await page.keyboard.press('2'); // talk
  await page.keyboard.press('[');
  await page.mouse.click(w.x + w.width * 0.75, w.y + w.height / 2); // seek to 1.5 s
  await page.waitForFunction(() => /^0:01\.5 /.test(document.querySelector('.au-time').textContent));
  await page.keyboard.press(']');
  await page.getByLabel('Text of segment 1 (talk)').fill('hello');
  await host.label.submit(page);
  assertClean(page, assert);
  await page.context().close();

  const r = await onlyResult(name);
  assert.equal(r.scenes.length, 1);
  assert.equal(r.scenes[0].label, 'talk');
  assert.equal(r.scenes[0].text, 'hello');
  near(r.scenes[0].start, 0.5, 0.05, 'start'); near(r.scenes[0].end, 1.5, 0.05, 'end');
});

test('read-only: stored values shown, nothing editable', async () => {
  const page = await newPage(browser);
  // spans after an astral character: offsets are code points
  const text = 'Grace Hopper joined the US Navy in 1943 🚢 and later Remington Rand.';
  await host.dev.open(page, 'Example: named entities and relations', { ro: true, data: { text },
    init: { entities: [{ start: 0, end: 12, label: 'PER' }, { start: 52, end: 66, label: 'ORG' }],
      relations: [{ from: 0, to: 1, label: 'works_for' }] } });
  assert.deepEqual(await page.locator('.sp-mark').allTextContents(), ['Grace Hopper', 'Remington Rand']);
  await page.getByRole('list', { name: 'Relations' }).getByText('works_for').waitFor();
  assert.equal(await page.locator('.sp-surface .surf-label').count(), 0, 'no label buttons');
  assert.equal(await page.getByRole('button', { name: /^Delete/ }).count(), 0, 'no delete buttons');
  await page.locator('.sp-surface .cm-content').click();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('3');
  await page.keyboard.press('Delete');
  assert.deepEqual(await page.evaluate(() => window.__host.get()), {
    entities: [{ start: 0, end: 12, label: 'PER' }, { start: 52, end: 66, label: 'ORG' }],
    relations: [{ from: 0, to: 1, label: 'works_for' }] });

  // the image: regions drawn from percent, no drawing tools
  const frame = (await apiAs(srv, manager, 'GET', '/api/v1/projects')).json.projects
    .find((p) => p.name.startsWith('Example: driving'));
  const init = { objects: [{ x: 55, y: 60, width: 12, height: 9, label: 'car' }],
    drivable: [{ points: [[0, 100], [35, 55], [65, 55], [100, 100]], label: 'road' }] };
  const files = await apiAs(srv, manager, 'GET', `/api/v1/projects/${frame.id}/export?format=jsonl`);
  const frameUrl = JSON.parse(files.text.split('\n')[0]).data.frame;
  // a stored box under the field's min_size (0.5%) is dropped, with a message
  const tiny = { x: 1, y: 1, width: 0.2, height: 0.2, label: 'car' };
  await host.dev.open(page, 'Example: driving scene boxes and polygons', { ro: true,
    init: { ...init, objects: [...init.objects, tiny] }, data: { frame: frameUrl } });
  await page.locator('.img-surface .a9s-annotation').nth(1).waitFor({ timeout: T });
  await page.locator('.img-surface .surf-errors', { hasText: 'at least 0.5%' }).waitFor();
  assert.equal(await page.locator('.img-surface .img-tool').count(), 0, 'no drawing tools');
  assert.deepEqual(await page.evaluate(() => window.__host.get()), init);
  const box = await page.locator('.img-surface .a9s-annotation .a9s-inner').first().boundingBox();
  const img = await page.locator('.img-canvas img').boundingBox();
  near(((box.x - img.x) / img.width) * 100, 55, 1, 'box drawn at x');
  assertClean(page, assert);
  await page.context().close();
});
