// quality.test.mjs: the quality screens of issue 10 against a real server.
// One project with gold tasks, three annotators (one answers every gold
// task wrong), every task reviewed (review_rate 1). Checked through the
// page: the Quality tab's charts and settings, the Workers table with a
// flag's evidence and suspend / reinstate, the suspended annotator's
// refusal on the labeling screen, the annotator's own flags and appeal,
// the lead's decision in the Appeals tab, the review queue (accept, reject
// chosen annotations, correct with the project's widgets, by keyboard), and
// the qualification refusal. What the page did is checked through the API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, apiAs, assertClean, launch, makeUser, newPage, screenshot, settled, signIn, startServer,
  unnamedControls } from './harness.mjs';

const SCHEMA = { views: [{ source: 'text', kind: 'text' }],
  fields: [{ name: 'sentiment', type: 'choice', options: ['positive', 'negative'] }] };
const N_GOLD = 10; // the gold_accuracy rule needs 10 gold answers (detect.c gold_min)
const N_PLAIN = 4;

let srv, browser, mgr, project, bad, good1, good2, reviewer;

/** Label every task the annotator is served (bounded), answering fn(task). */
async function labelAll(token, pid, fn) {
  for (let i = 0; i < 60; i++) {
    const n = await apiAs(srv, token, 'POST', `/api/v1/projects/${pid}/next`);
    if (n.status === 204) return i;
    assert.equal(n.status, 200, `next: ${n.status} ${n.text}`);
    const r = await apiAs(srv, token, 'POST', `/api/v1/tasks/${n.json.task.id}/annotations`,
      { lease_id: n.json.lease.id, result: { sentiment: fn(n.json.task) } });
    assert.ok(r.status === 201 || r.status === 200, `submit: ${r.status} ${r.text}`);
  }
  throw new Error('more tasks than expected');
}

async function member(user) {
  const r = await apiAs(srv, mgr, 'POST', `/api/v1/projects/${project.id}/members`, { email: user.email, role: 'annotator' });
  assert.ok(r.status === 201 || r.status === 200, r.text);
}

async function workers() {
  const r = await apiAs(srv, mgr, 'GET', `/api/v1/projects/${project.id}/workers`);
  assert.equal(r.status, 200, r.text);
  return r.json.workers;
}

before(async () => {
  srv = await startServer();
  browser = await launch();
  mgr = srv.cli('token', 'create', '--email', DEMO.manager.email).stdout.trim();
  const c = await apiAs(srv, mgr, 'POST', '/api/v1/projects', {
    name: 'Quality screens', schema: SCHEMA, overlap: 3, gold_rate: 1,
    quality: { method: 'mv', policy: 'flag', gold_threshold: 0.5, review_rate: 1 } });
  assert.equal(c.status, 201, c.text);
  project = c.json;
  const lines = [];
  for (let i = 0; i < N_GOLD; i++) lines.push({ data: { text: `gold sentence ${i}, plainly positive` }, gold: { sentiment: 'positive' } });
  for (let i = 0; i < N_PLAIN; i++) lines.push({ data: { text: `plain sentence ${i}` } });
  const imp = await apiAs(srv, mgr, 'POST', `/api/v1/projects/${project.id}/tasks`, lines);
  assert.equal(imp.status, 201, imp.text);
  bad = makeUser(srv, 'annotator', 'demo');
  good1 = makeUser(srv, 'annotator', 'demo');
  good2 = makeUser(srv, 'annotator', 'demo');
  reviewer = makeUser(srv, 'reviewer', 'demo');
  for (const u of [bad, good1, good2]) await member(u);
  await labelAll(bad.token, project.id, () => 'negative');
  await labelAll(good1.token, project.id, () => 'positive');
  await labelAll(good2.token, project.id, (t) => (/plain sentence [01]/.test(t.data.text) ? 'negative' : 'positive'));
  const run = await apiAs(srv, mgr, 'POST', `/api/v1/projects/${project.id}/aggregates/run`);
  assert.equal(run.status, 202, run.text);
  const det = await apiAs(srv, mgr, 'POST', `/api/v1/projects/${project.id}/quality/run`);
  assert.ok(det.status >= 200 && det.status < 300, det.text);
});

after(async () => { await browser?.close(); await srv?.stop(); });

/** The pseudonym of the annotator who answered every gold task wrong. */
async function badName() {
  const ws = await workers();
  const w = ws.find((x) => x.gold && x.gold.answered > 0 && x.gold.accuracy === 0);
  assert.ok(w, 'the bad annotator is in the workers list: ' + JSON.stringify(ws));
  return w;
}

test('the Quality tab draws the charts and saves the quality settings', async () => {
  const page = await newPage(browser);
  await signIn(page, srv, DEMO.manager);
  await page.goto(`${srv.url}/#/manage/p/${project.id}/quality`);
  // Inference runs in the background: wait until the figures have agreement.
  for (let i = 0; i < 40; i++) {
    const q = await apiAs(srv, mgr, 'GET', `/api/v1/projects/${project.id}/quality`);
    if (q.json && Object.keys(q.json.agreement || {}).length && q.json.confidence_histogram?.some((x) => x > 0)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await page.keyboard.press('r');
  const agree = page.getByRole('table', { name: 'Agreement per field (numbers)' });
  await agree.getByRole('rowheader', { name: 'sentiment' }).waitFor();
  assert.match(await agree.innerText(), /sentiment\s+-?\d\.\d\d/);
  await page.locator('[aria-label="Confidence histogram"] canvas').waitFor();
  await page.locator('[aria-label="Agreement per field"] canvas').waitFor();
  await page.locator('[aria-label="Gold accuracy over time"] canvas').waitFor();
  await settled(page);
  assert.deepEqual(await unnamedControls(page), [], 'quality tab controls are named');
  await screenshot(page, 'quality-tab');

  await page.getByLabel('Inference method').selectOption('ds');
  await page.getByLabel('Review below confidence').fill('0.7');
  await page.getByLabel('Qualification: new annotators answer gold tasks first').check();
  await page.getByLabel('Qualification tasks').fill('3');
  await page.getByLabel('Qualification pass mark').fill('0.6');
  await page.getByRole('button', { name: 'Save quality settings' }).click();
  await page.getByText('Saved.').waitFor();
  const p = (await apiAs(srv, mgr, 'GET', `/api/v1/projects/${project.id}`)).json;
  assert.equal(p.quality.method, 'ds');
  assert.equal(p.quality.review_below, 0.7);
  assert.equal(p.quality.policy, 'flag', 'unchanged keys stay');
  assert.deepEqual(p.qualification, { tasks: 3, pass: 0.6 });
  // Back off again so the other tests see the project as before.
  await page.getByLabel('Qualification: new annotators answer gold tasks first').uncheck();
  await page.getByLabel('Inference method').selectOption('mv');
  await page.getByRole('button', { name: 'Save quality settings' }).click();
  await page.waitForFunction(() => document.querySelector('.q-settings .c-status')?.textContent === 'Saved.');
  const p2 = (await apiAs(srv, mgr, 'GET', `/api/v1/projects/${project.id}`)).json;
  assert.equal(p2.qualification, null);
  assert.equal(p2.quality.method, 'mv');
  // An empty gold threshold is the default (chance level): null; then 0.5 again.
  const gold = page.getByLabel('Gold threshold');
  assert.equal(await gold.inputValue(), '0.5');
  assert.equal(await gold.getAttribute('placeholder'), 'chance');
  for (const [typed, stored] of [['', null], ['0.5', 0.5]]) {
    await gold.fill(typed);
    await page.getByRole('button', { name: 'Save quality settings' }).click();
    let seen;
    for (let i = 0; i < 50; i++) { // the status line says Saved. already: ask the API
      seen = (await apiAs(srv, mgr, 'GET', `/api/v1/projects/${project.id}`)).json.quality.gold_threshold;
      if (seen === stored) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(seen, stored);
  }

  await page.getByRole('button', { name: 'Re-run inference' }).click();
  await page.getByText('Inference queued').waitFor();

  // The Data tab lists gold tasks apart: neither open nor complete.
  await page.goto(`${srv.url}/#/manage/p/${project.id}/data`);
  await page.getByLabel('State').selectOption('gold');
  await page.getByText(`Page 1 · ${N_GOLD} tasks`).waitFor();
  assert.equal(await page.locator('tbody .c-state.gold').count(), N_GOLD);
  await page.getByLabel('State').selectOption('complete');
  await page.getByText(/^Page 1 · \d+ tasks$/).waitFor();
  assert.equal(await page.locator('tbody .c-state.gold').count(), 0);
  assertClean(page, assert);
  await page.context().close();
});

test('the Workers tab shows scores, a flag with its evidence, and suspends and reinstates', async () => {
  const w = await badName();
  const page = await newPage(browser);
  await signIn(page, srv, DEMO.manager);
  await page.goto(`${srv.url}/#/manage/p/${project.id}/workers`);
  const table = page.getByRole('table', { name: 'Workers' });
  const row = table.locator(`tr[data-annotator="${w.annotator}"]`);
  await row.waitFor();
  assert.equal(await table.locator('tbody tr[data-annotator]').count(), 3, 'three annotators');
  const cells = await row.locator('td').allInnerTexts();
  assert.equal(cells[1], String(w.gold.answered), 'gold answered');
  assert.equal(cells[2], '0%', 'gold accuracy');
  assert.match(cells[8], /open/, 'an open flag is counted');
  // The name opens the flags with their evidence.
  await row.getByRole('button', { name: `${w.annotator}: show flags and evidence` }).click();
  const flags = page.getByLabel(`Flags of ${w.annotator}`);
  await flags.waitFor();
  const flag = flags.locator('article.q-flag').filter({ hasText: 'gold accuracy' });
  assert.equal(await flag.count(), 1, 'the gold accuracy flag');
  assert.ok(await flag.locator('dl.q-evidence dt').count() > 0, 'its evidence is listed');
  await settled(page);
  assert.deepEqual(await unnamedControls(page), [], 'workers tab controls are named');
  await screenshot(page, 'quality-workers');

  await page.getByRole('button', { name: `Suspend ${w.annotator}` }).click();
  await page.getByText(`${w.annotator} is suspended.`).waitFor();
  assert.equal((await workers()).find((x) => x.annotator === w.annotator).status, 'suspended');

  // The suspended annotator is told so on the labeling screen.
  const ap = await newPage(browser);
  await signIn(ap, srv, bad);
  await ap.goto(`${srv.url}/#/p/${project.id}/label`);
  const refusal = ap.locator('[data-refusal="suspended"]');
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /You are suspended from this project/);
  assert.ok(await ap.getByRole('link', { name: 'See your flags and appeal' }).count());
  assert.ok(await ap.getByRole('button', { name: /Submit/ }).isDisabled());
  await screenshot(ap, 'quality-suspended');
  assertClean(ap, assert);
  await ap.context().close();

  await page.getByRole('button', { name: `Reinstate ${w.annotator}` }).click();
  await page.getByText(`${w.annotator} is reinstated.`).waitFor();
  assert.equal((await workers()).find((x) => x.annotator === w.annotator).status, 'active');
  assertClean(page, assert);
  await page.context().close();
});

test('an annotator appeals a flag on their page; the lead dismisses it in Appeals', async () => {
  const w = await badName();
  const page = await newPage(browser);
  await signIn(page, srv, bad);
  await page.goto(`${srv.url}/#/me`);
  // their own scores, the numbers the workers table shows about them
  const scores = page.getByRole('region', { name: 'My scores' });
  const row = scores.getByRole('row').filter({ hasText: 'Quality screens' });
  await row.waitFor();
  const mq = await apiAs(srv, bad.token, 'GET', `/api/v1/projects/${project.id}/me/quality`);
  assert.equal(mq.status, 200);
  assert.ok(mq.json.gold.answered > 0, 'gold was answered');
  const cells = await row.getByRole('cell').allInnerTexts();
  assert.equal(cells[0], String(mq.json.gold.answered));
  assert.equal(cells[1], `${Math.round(mq.json.gold.accuracy * 100)} %`);
  const mine = page.getByRole('region', { name: 'Quality flags' });
  const flag = mine.locator('article.q-flag').filter({ hasText: 'gold accuracy' });
  await flag.waitFor();
  assert.match(await flag.innerText(), /Quality screens/, 'the project is named');
  const text = 'I misread the instructions; <b>please</b> look again';
  await flag.getByLabel('Appeal: why is this flag wrong?').fill(text);
  await settled(page);
  assert.deepEqual(await unnamedControls(page), [], 'own page controls are named');
  await screenshot(page, 'quality-my-flags');
  await flag.getByRole('button', { name: 'Send appeal' }).click();
  await flag.getByText('Your appeal is waiting for a decision.').waitFor();
  const me = await apiAs(srv, bad.token, 'GET', '/api/v1/me/flags');
  const f = me.json.flags.find((x) => x.rule === 'gold_accuracy');
  assert.equal(f.appeal.text, text);
  assert.ok(!JSON.stringify(me.json).includes('"gold"'), 'no gold answer in the annotator\'s flags');

  const lead = await newPage(browser);
  await signIn(lead, srv, DEMO.manager);
  await lead.goto(`${srv.url}/#/manage/p/${project.id}/appeals`);
  const appeal = lead.getByRole('region', { name: `Appeal of ${w.annotator}` });
  await appeal.waitFor();
  assert.ok((await appeal.innerText()).includes(text), 'the appeal is shown as text');
  await lead.getByLabel(`Decision note for ${w.annotator}`).fill('Fair enough: the gold set was ambiguous.');
  await settled(lead);
  assert.deepEqual(await unnamedControls(lead), [], 'appeals tab controls are named');
  await screenshot(lead, 'quality-appeals');
  await lead.getByRole('button', { name: `Dismiss the gold accuracy flag of ${w.annotator}` }).click();
  await lead.getByText('No appeal is waiting for a decision.').waitFor();
  await lead.getByLabel('Show decided appeals too').check();
  await lead.getByRole('region', { name: `Appeal of ${w.annotator}` }).getByText('dismissed').waitFor();
  assertClean(lead, assert);
  await lead.context().close();

  await page.reload();
  const decided = page.getByRole('region', { name: 'Quality flags' }).locator('article.q-flag').filter({ hasText: 'gold accuracy' });
  await decided.getByText(/Dismissed/).waitFor();
  assert.match(await decided.innerText(), /the gold set was ambiguous/);
  assertClean(page, assert);
  await page.context().close();
});

test('a reviewer accepts, rejects chosen annotations and corrects, by keyboard', async () => {
  const page = await newPage(browser);
  await signIn(page, srv, reviewer);
  await page.getByRole('link', { name: 'Review' }).click();
  await page.getByRole('link', { name: 'Quality screens' }).click();
  const item = page.locator('.ritem[data-review-id]');
  await item.waitFor();
  const ids = [];
  const waitNew = async () => {
    await page.waitForFunction((seen) => {
      const el = document.querySelector('.ritem');
      return el && ((el.dataset.reviewId && !seen.includes(el.dataset.reviewId)) || document.querySelector('.done'));
    }, ids);
  };
  // Every annotation is drawn read-only under its annotator's pseudonym.
  const ws = await workers();
  const cards = page.locator('.ritem article[aria-label^="Annotation "]');
  assert.equal(await cards.count(), 3);
  const titles = await cards.locator('h2').allInnerTexts();
  for (const t of titles) assert.ok(ws.some((w) => t.endsWith('by ' + w.annotator)), t);
  assert.ok(await page.locator('.ritem article[aria-label^="Aggregate"]').count());
  assert.equal(await cards.first().locator('.readonly-form input:not([disabled])').count(), 0, 'annotations are read-only');
  await settled(page);
  assert.deepEqual(await unnamedControls(page), [], 'review controls are named');
  await screenshot(page, 'quality-review');

  // The ? list names the review keys.
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  for (const k of ['Accept the aggregate', 'Reject the selected annotations', 'Correct: edit the answer']) {
    await help.getByText(k, { exact: false }).first().waitFor();
  }
  await page.keyboard.press('Escape');

  // a: accept.
  ids.push(await item.getAttribute('data-review-id'));
  await page.keyboard.press('a');
  await waitNew();
  // 1 then r: reject the first annotation only.
  ids.push(await item.getAttribute('data-review-id'));
  await page.keyboard.press('1');
  assert.ok(await page.locator('.ritem article.rejecting').count() === 1, 'the chosen annotation is marked');
  await page.keyboard.press('r');
  await waitNew();
  // c: correct with the field widgets, prefilled with the aggregate.
  ids.push(await item.getAttribute('data-review-id'));
  await page.keyboard.press('c');
  const editor = page.getByRole('article', { name: 'Correction' });
  await editor.waitFor();
  await screenshot(page, 'quality-review-correct');
  await editor.getByRole('radio', { name: /negative/ }).or(editor.getByRole('button', { name: /negative/ })).first().click();
  await page.keyboard.press('Control+Enter');
  await waitNew();
  assertClean(page, assert);

  const done = await apiAs(srv, reviewer.token, 'GET', `/api/v1/projects/${project.id}/reviews?status=done&limit=100`);
  assert.equal(done.status, 200, done.text);
  const byId = new Map((done.json.reviews || []).map((r) => [r.id, r]));
  for (const id of ids) assert.ok(byId.has(id), `review ${id} is done: ${done.text.slice(0, 400)}`);
  const text = JSON.stringify([...byId.values()]);
  assert.match(text, /accept/);
  assert.match(text, /reject/);
  assert.match(text, /correct/);
  await page.context().close();
});

test('an annotator who fails the qualification is told why on the labeling screen', async () => {
  const c = await apiAs(srv, mgr, 'POST', '/api/v1/projects', {
    name: 'Qualified only', schema: SCHEMA, qualification: { tasks: 2, pass: 1 } });
  assert.equal(c.status, 201, c.text);
  const pid = c.json.id;
  const lines = [0, 1, 2].map((i) => ({ data: { text: `gold q${i}` }, gold: { sentiment: 'positive' } }))
    .concat([0, 1, 2].map((i) => ({ data: { text: `work ${i}` } })));
  assert.equal((await apiAs(srv, mgr, 'POST', `/api/v1/projects/${pid}/tasks`, lines)).status, 201);
  const u = makeUser(srv, 'annotator', 'demo');
  assert.ok([200, 201].includes((await apiAs(srv, mgr, 'POST', `/api/v1/projects/${pid}/members`, { email: u.email, role: 'annotator' })).status));
  for (let i = 0; i < 5; i++) {
    const n = await apiAs(srv, u.token, 'POST', `/api/v1/projects/${pid}/next`);
    if (n.status !== 200) { assert.equal(n.json?.error?.code, 'not_qualified', n.text); break; }
    assert.ok(!JSON.stringify(n.json).includes('"gold"'), 'the lease does not show the gold answer');
    await apiAs(srv, u.token, 'POST', `/api/v1/tasks/${n.json.task.id}/annotations`, { lease_id: n.json.lease.id, result: { sentiment: 'negative' } });
  }
  const page = await newPage(browser);
  await signIn(page, srv, u);
  await page.goto(`${srv.url}/#/p/${pid}/label`);
  const refusal = page.locator('[data-refusal="not_qualified"]');
  await refusal.waitFor();
  const text = await refusal.innerText();
  assert.match(text, /You did not pass the qualification/);
  const api = await apiAs(srv, u.token, 'POST', `/api/v1/projects/${pid}/next`);
  assert.ok(text.includes(api.json.error.message), 'the server\'s reason is shown');
  await screenshot(page, 'quality-not-qualified');
  assertClean(page, assert);
  await page.context().close();
});
