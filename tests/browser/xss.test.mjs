// xss.test.mjs: payloads like those in published advisories against
// labeling tools, put where an annotator's page shows them: the project's
// name (home list, labeling bar), its instructions (markdown), a choice
// field's options and description, and task data in text, markdown, chat,
// code, json, image and audio views and as data keys (`__proto__`, `<b>`).
// They must stay inert: no dialog ever opens, window.__xss (which every
// payload sets) stays undefined, no script/iframe/event-handler element
// from data reaches the DOM, markdown links are http(s) only with rel
// noopener noreferrer, the payload text is visible as text, and no CSP
// violation is reported (harness.newPage fails on those).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, apiAs, assertClean, launch, newPage, screenshot, signIn, startServer } from './harness.mjs';

let srv, browser, mgr;
before(async () => {
  srv = await startServer();
  browser = await launch();
  mgr = srv.cli('token', 'create', '--email', DEMO.manager.email).stdout.trim();
});
after(async () => { await browser?.close(); await srv?.stop(); });

const SET = 'window.__xss=1;alert(1)';
const P = {
  script: `<script>${SET}</script>`,
  img: `<img src=x onerror="${SET}">`,
  svg: `<svg onload="${SET}">`,
  svgScript: `<svg><script>${SET}</script></svg>`,
  iframe: `"><iframe srcdoc="<script>parent.__xss=1</script>">`,
  js: `javascript:${SET}`,
};
const ALL = Object.values(P).join(' ');
const NAME = `Evil ${P.img}${P.script}`;
const INSTRUCTIONS = [
  '# Read me', '', `[click me](javascript:${SET})`, '', `[docs](https://example.com/guide)`, '',
  P.script, '', P.img, '', `<a href="javascript:${SET}">raw link</a>`, '', `![pic](javascript:${SET})`, '', P.iframe,
].join('\n');

async function project(name, schema, tasks, instructions) {
  const p = await apiAs(srv, mgr, 'POST', '/api/v1/projects', { name, schema });
  assert.equal(p.status, 201, p.text);
  if (instructions) assert.equal((await apiAs(srv, mgr, 'PATCH', `/api/v1/projects/${p.json.id}`, { instructions })).status, 200);
  assert.equal((await apiAs(srv, mgr, 'POST', `/api/v1/projects/${p.json.id}/members`, { email: DEMO.annotator.email })).status, 201);
  assert.equal((await apiAs(srv, mgr, 'POST', `/api/v1/projects/${p.json.id}/tasks`, tasks)).status, 201);
  return p.json.id;
}

/** Everything in the DOM that would run or leak: returns a list of findings. */
function inertnessProblems() {
  const bad = [];
  if (window.__xss !== undefined) bad.push('window.__xss was set');
  for (const s of document.querySelectorAll('script')) if (!/\/assets\/app\.js$/.test(s.src)) bad.push('script element: ' + s.outerHTML.slice(0, 80));
  for (const sel of ['iframe', 'object', 'embed', 'svg[onload]', '[onerror]', '[srcdoc]'])
    for (const el of document.querySelectorAll(sel)) bad.push(sel + ': ' + el.outerHTML.slice(0, 80));
  for (const el of document.querySelectorAll('*'))
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) bad.push(`handler attribute ${a.name} on ${el.tagName}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href'].includes(a.name) && /^\s*(javascript|vbscript|data:text)/i.test(a.value))
        bad.push(`${a.name}=${a.value.slice(0, 40)} on ${el.tagName}`);
    }
  for (const a of document.querySelectorAll('.v-markdown a[href], .instructions a[href]')) {
    if (!/^https?:\/\//.test(a.getAttribute('href'))) bad.push('markdown link ' + a.getAttribute('href'));
    const rel = (a.getAttribute('rel') || '').split(/\s+/);
    if (!rel.includes('noopener') || !rel.includes('noreferrer')) bad.push('markdown link without rel noopener noreferrer');
  }
  return bad;
}

test('XSS payloads in names, instructions, options and task data stay inert', async () => {
  const withViews = await project(NAME, {
    views: [{ source: 'text', kind: 'text' }, { source: 'md', kind: 'markdown' }, { source: 'chat', kind: 'chat' },
      { source: 'code', kind: 'code', language: 'javascript' }, { source: 'raw', kind: 'json' },
      { source: 'pic', kind: 'image' }, { source: 'sound', kind: 'audio' }],
    fields: [{ name: 'verdict', type: 'choice', options: Object.values(P), description: ALL },
      { name: 'why', type: 'text', required: false, description: P.iframe }],
  }, [{
    text: ALL,
    md: `Markdown ${P.script} [bad](javascript:${SET}) [good](https://example.com/ok) ${P.img} ${P.svgScript}`,
    chat: [{ role: P.svg, content: P.script }, { role: 'assistant', content: P.img }],
    code: `const s = "${P.svgScript}"; // ${P.iframe}`,
    raw: { [P.script]: P.img },
    pic: P.js,
    sound: `data:text/html,${P.script}`,
  }], INSTRUCTIONS);
  const noViews = await project(`Keys ${P.svg}`, { fields: [{ name: 'ok', type: 'choice', options: ['yes', 'no'] }] },
    [JSON.parse(`{"__proto__": ${JSON.stringify(P.img)}, "<b>bold key</b>": ${JSON.stringify(P.script)}, "plain": ${JSON.stringify(P.iframe)}}`)]);

  const page = await newPage(browser);
  const dialogs = [];
  page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  await signIn(page, srv, DEMO.annotator);

  // Home: the names as text.
  await page.getByRole('link', { name: NAME, exact: true }).waitFor();
  await page.getByRole('link', { name: `Keys ${P.svg}`, exact: true }).waitFor();
  assert.deepEqual(await page.evaluate(inertnessProblems), []);

  // The loop: every view kind, the options, the instructions.
  await page.goto(`${srv.url}/#/p/${withViews}/label`);
  const task = page.locator('.task');
  await task.locator('.v-text').first().waitFor();
  assert.equal(await task.locator('.v-text').first().innerText(), ALL);
  await page.locator('.lbar .pname').getByText(NAME, { exact: true }).waitFor();
  for (const o of Object.values(P)) await page.getByRole('radio', { name: o, exact: true }).waitFor();
  await task.locator('.v-markdown').getByText(P.script, { exact: false }).waitFor();
  await task.locator('.v-chat').getByText(P.script).waitFor();
  await task.locator('.v-chat').getByText(P.svg).waitFor();
  await task.locator('.v-code .cm-content').waitFor();
  assert.match(await task.locator('.v-code .cm-content').innerText(), /<svg><script>/);
  assert.match(await task.locator('.v-json').innerText(), /<script>/);
  await task.locator('.view-image .v-refused').getByText(P.js, { exact: true }).waitFor(); // a refused image URL, as text
  const good = task.locator('.v-markdown a', { hasText: 'good' });
  assert.equal(await good.getAttribute('href'), 'https://example.com/ok');
  assert.equal(await task.locator('.v-markdown a', { hasText: 'bad' }).count(), 0);
  await page.keyboard.press('i');
  const instr = page.getByRole('complementary', { name: 'Instructions' });
  await instr.getByRole('heading', { name: 'Read me' }).waitFor();
  await instr.getByText(P.script).waitFor();
  assert.equal(await instr.getByRole('link', { name: 'docs' }).getAttribute('href'), 'https://example.com/guide');
  assert.equal(await instr.getByRole('link', { name: 'click me' }).count(), 0);
  assert.equal(await instr.getByRole('link', { name: 'raw link' }).count(), 0);
  // Picking a payload option and opening the shortcuts list renders them too.
  await page.keyboard.press('3');
  await page.keyboard.press('?');
  await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
  await screenshot(page, 'xss-labeling');
  await page.keyboard.press('Escape');
  assert.deepEqual(await page.evaluate(inertnessProblems), []);
  await page.keyboard.press('Control+Enter');
  await page.getByRole('heading', { name: 'All done' }).waitFor();

  // Data keys that are payloads (and __proto__), without views: as text.
  await page.goto(`${srv.url}/#/p/${noViews}/label`);
  await task.locator('figcaption', { hasText: '__proto__' }).waitFor();
  await task.locator('figcaption', { hasText: '<b>bold key</b>' }).waitFor();
  await task.getByText(P.img, { exact: true }).waitFor();
  await task.getByText(P.iframe, { exact: true }).waitFor();
  assert.equal(await task.locator('b').count(), 0);
  assert.deepEqual(await page.evaluate(inertnessProblems), []);

  assert.deepEqual(dialogs, [], 'no dialog ever opened');
  assertClean(page, assert);
  await page.context().close();
});
