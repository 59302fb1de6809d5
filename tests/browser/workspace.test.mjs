// workspace.test.mjs: the labeling loop on the richer field widgets. The
// demo's LLM preference project (pairwise with a/b/tie keys, a rubric,
// free text) labeled by mouse for one task and by keyboard for another,
// a task imported with a model's pre-label shown as the editable start, a
// submit whose answer is lost on the network (retried with the same lease:
// exactly one annotation); a ranking project made through the API labeled
// by drag and by keyboard; the lease countdown; the exports hold exactly
// those labels. Also prints the p95 submit-to-next-task time over ~20
// submits (measured in the page, Ctrl+Enter to the next task's first
// paint): a figure, not an assertion.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, apiAs, assertClean, exportJsonl, launch, newPage, projectByName, screenshot, signIn, startServer } from './harness.mjs';

let srv, browser, mgr, page;
before(async () => {
  srv = await startServer();
  browser = await launch();
  mgr = srv.cli('token', 'create', '--email', DEMO.manager.email).stdout.trim();
  page = await newPage(browser);
  await signIn(page, srv, DEMO.annotator);
});
after(async () => { await page?.context().close(); await browser?.close(); await srv?.stop(); });

async function project(name, schema, tasks) {
  const p = await apiAs(srv, mgr, 'POST', '/api/v1/projects', { name, schema });
  assert.equal(p.status, 201, p.text);
  assert.equal((await apiAs(srv, mgr, 'POST', `/api/v1/projects/${p.json.id}/members`, { email: DEMO.annotator.email })).status, 201);
  assert.equal((await apiAs(srv, mgr, 'POST', `/api/v1/projects/${p.json.id}/tasks`, tasks)).status, 201);
  return p.json.id;
}

const currentTask = () => page.locator('.task').getAttribute('data-task-id');
const nextTask = (old) => page.waitForFunction((id) => document.querySelector('.task')?.dataset.taskId !== id, old);
/** Tab until the focus is inside the field (keyboard only). */
async function tabInto(field) {
  for (let i = 0; i < 30; i++) {
    if (await page.evaluate((f) => !!document.activeElement?.closest(`[data-field="${f}"]`), field)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error('Tab never reached ' + field);
}
const pressed = (name) => page.getByRole('button', { name }).getAttribute('aria-pressed');

test('LLM preference: mouse, keyboard, a pre-label, a lost submit answer; lease countdown', async () => {
  const llm = await projectByName(srv, mgr, 'LLM preference');
  const prediction = { preference: 'b', quality: { helpful: 4, honest: 5, harmless: 5 }, reason: 'B is safer.' };
  const imported = await apiAs(srv, mgr, 'POST', `/api/v1/projects/${llm.id}/tasks`, [{
    data: { prompt: [{ role: 'user', content: 'Name a prime number.' }], response_a: 'Nine.', response_b: '**Seven** is prime.' },
    predictions: [{ model: 'judge-1', result: prediction }],
  }]);
  assert.equal(imported.status, 201, imported.text);

  await page.goto(`${srv.url}/#/p/${llm.id}/label`);
  await page.locator('.task[data-task-id]').waitFor();
  const expected = new Map(); // task id → result

  // The lease's time left is shown and counts down.
  const timer = page.getByRole('timer', { name: 'Time left on this task' });
  const t0 = await timer.innerText();
  assert.match(t0, /^\d+:\d\d left$/);
  await page.waitForFunction((t) => document.querySelector('.lease-timer')?.textContent !== t, t0);

  // Task 1 by mouse (and a look at tablet width first).
  let id = await currentTask();
  await page.setViewportSize({ width: 800, height: 1000 });
  await screenshot(page, 'labeling-tablet');
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 800), 'no sideways scroll at 800px');
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.getByRole('button', { name: 'preference: A is better' }).click();
  assert.equal(await pressed('preference: A is better'), 'true');
  for (const [c, v] of [['helpful', 5], ['honest', 4], ['harmless', 5]])
    await page.getByRole('radiogroup', { name: `quality: ${c}` }).getByText(String(v), { exact: true }).click();
  await page.getByRole('textbox', { name: 'reason' }).click();
  await page.keyboard.type('A answers the question.');
  await screenshot(page, 'labeling-pairwise');
  await page.getByRole('button', { name: /^Submit/ }).click();
  expected.set(id, { preference: 'a', quality: { helpful: 5, honest: 4, harmless: 5 }, reason: 'A answers the question.' });
  await nextTask(id);

  // Task 2 by keyboard: the field's own key 2 picks B, t makes it a tie;
  // the digits rate the rubric's focused row and move on.
  id = await currentTask();
  await page.keyboard.press('2');
  assert.equal(await pressed('preference: B is better'), 'true');
  await page.keyboard.press('t');
  assert.equal(await pressed('preference: tie'), 'true');
  await tabInto('quality');
  for (const k of ['3', '4', '5']) await page.keyboard.press(k);
  await page.keyboard.press('Control+Enter');
  expected.set(id, { preference: 'tie', quality: { helpful: 3, honest: 4, harmless: 5 } });
  await nextTask(id);

  // Task 3: its first submit reaches the server, but the answer is lost on
  // the way back; the page retries with the same lease and result.
  id = await currentTask();
  let aborted = 0;
  const submitUrl = /\/api\/v1\/tasks\/[^/]+\/annotations$/;
  await page.route(submitUrl, async (route) => {
    if (aborted++ === 0) { await route.fetch(); await route.abort('connectionreset'); } else await route.continue();
  });
  await page.keyboard.press('1');
  await tabInto('quality');
  for (const k of ['4', '4', '4']) await page.keyboard.press(k);
  await page.keyboard.press('Control+Enter');
  expected.set(id, { preference: 'a', quality: { helpful: 4, honest: 4, harmless: 4 } });
  await nextTask(id);
  assert.equal(aborted, 2, 'one lost answer, one retry');
  await page.unroute(submitUrl);
  // The reset we provoked is logged by the browser: expected, once.
  const problems = page.problems();
  const resets = problems.filter((p) => p.includes('ERR_CONNECTION_RESET'));
  assert.equal(resets.length, 1, problems.join('\n'));
  problems.splice(problems.indexOf(resets[0]), 1);

  // Task 4 carries the model's pre-label: shown as the start, then edited.
  id = await currentTask();
  await page.getByText('Pre-filled by the model judge-1').waitFor();
  assert.equal(await pressed('preference: B is better'), 'true');
  assert.equal(await page.getByRole('radiogroup', { name: 'quality: helpful' }).getByRole('radio').nth(3).isChecked(), true);
  assert.equal(await page.getByRole('textbox', { name: 'reason' }).inputValue(), 'B is safer.');
  await screenshot(page, 'labeling-prelabel');
  await page.getByRole('radiogroup', { name: 'quality: honest' }).getByText('3', { exact: true }).click();
  await page.getByRole('button', { name: /^Submit/ }).click();
  expected.set(id, { ...prediction, quality: { ...prediction.quality, honest: 3 } });
  await page.getByRole('heading', { name: 'All done' }).waitFor();

  const lines = await exportJsonl(srv, mgr, llm.id);
  const got = new Map(lines.filter((l) => l.annotations?.length).map((l) => [l.id ?? l.task_id, l.annotations.map((a) => a.result)]));
  assert.equal(got.size, expected.size);
  for (const [task, result] of expected) assert.deepEqual(got.get(task), [result], task);
  assertClean(page, assert);
});

test('ranking: by drag and by keyboard', async () => {
  const schema = {
    views: [{ source: 'first', kind: 'markdown' }, { source: 'second', kind: 'text' }, { source: 'third', kind: 'markdown' }],
    fields: [{ name: 'order', type: 'ranking', sources: ['first', 'second', 'third'] }],
  };
  const pid = await project('Rank the summaries', schema, [
    { first: '**Alpha** summary', second: 'Beta summary', third: '_Gamma_ summary' },
    { first: '**Delta** summary', second: 'Epsilon summary', third: '_Zeta_ summary' },
  ]);
  await page.goto(`${srv.url}/#/p/${pid}/label`);
  const items = page.locator('.rank-item');
  await items.first().waitFor();
  const order = () => items.evaluateAll((els) => els.map((e) => e.dataset.source));
  assert.deepEqual(await order(), ['first', 'second', 'third']);
  await page.locator('.rank-item strong', { hasText: 'Alpha' }).waitFor(); // markdown rendered

  // Drag the third item to the top.
  let id = await currentTask();
  const from = await items.nth(2).boundingBox();
  const to = await items.nth(0).boundingBox();
  await page.mouse.move(from.x + 30, from.y + from.height / 2);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(from.x + 30, from.y + from.height / 2 + (to.y + 5 - from.y - from.height / 2) * i / 10);
  await page.mouse.up();
  await page.waitForFunction(() => document.querySelector('.rank-item')?.dataset.source === 'third');
  assert.deepEqual(await order(), ['third', 'first', 'second']);
  await screenshot(page, 'labeling-ranking');
  await page.getByRole('button', { name: /^Submit/ }).click();
  await nextTask(id);

  // Keyboard: focus the first item, move it down twice, the last one up once.
  id = await currentTask();
  await page.keyboard.press('Tab');
  await page.waitForFunction(() => document.activeElement?.classList.contains('rank-item'));
  await page.keyboard.press('Alt+ArrowDown');
  await page.keyboard.press('Alt+ArrowDown');
  assert.deepEqual(await order(), ['second', 'third', 'first']);
  await page.keyboard.press('Alt+ArrowUp');
  assert.deepEqual(await order(), ['second', 'first', 'third']);
  await page.keyboard.press('Control+Enter');
  await page.getByRole('heading', { name: 'All done' }).waitFor();

  const lines = await exportJsonl(srv, mgr, pid);
  assert.deepEqual(lines.map((l) => l.annotations.map((a) => a.result)),
    [[{ order: ['third', 'first', 'second'] }], [{ order: ['second', 'first', 'third'] }]]);
  assertClean(page, assert);
});

test('show_if, multichoice, number and rating: a hidden field is not sent; checks by the field', async () => {
  const schema = { fields: [
    { name: 'verdict', type: 'choice', options: ['approve', 'request_changes'] },
    { name: 'comment', type: 'text', max_length: 20, show_if: { field: 'verdict', equals: 'request_changes' } },
    { name: 'flags', type: 'multichoice', options: ['typo', 'style', 'logic'], required: false },
    { name: 'effort', type: 'number', min: 0, max: 10 },
    { name: 'stars', type: 'rating', min: 1, max: 5 },
  ] };
  const pid = await project('Review with branches', schema, [{ diff: '- a\n+ b' }]);
  await page.goto(`${srv.url}/#/p/${pid}/label`);
  const comment = page.locator('[data-field="comment"]');
  await page.locator('.task[data-task-id]').waitFor();
  assert.equal(await comment.isHidden(), true, 'hidden until its condition holds');
  await page.getByRole('radio', { name: 'request_changes' }).check();
  await comment.waitFor();
  await page.getByRole('textbox', { name: 'comment' }).fill('this comment is far too long');
  await page.getByRole('spinbutton', { name: 'effort' }).fill('42');
  await page.getByRole('button', { name: /^Submit/ }).click();
  await comment.getByText('At most 20 characters.').waitFor();
  await page.locator('[data-field="effort"]').getByText('At most 10.').waitFor();
  await page.locator('[data-field="stars"]').getByText(/Required/).waitFor();
  // Back out of the branch: the comment is hidden again and not sent.
  await page.getByRole('radio', { name: 'approve' }).check();
  await comment.waitFor({ state: 'hidden' });
  await page.getByRole('spinbutton', { name: 'effort' }).fill('3.5');
  await page.getByRole('checkbox', { name: 'logic' }).check();
  await page.getByRole('radiogroup', { name: 'stars' }).getByText('4', { exact: true }).click();
  await page.getByRole('button', { name: /^Submit/ }).click();
  await page.getByRole('heading', { name: 'All done' }).waitFor();
  const lines = await exportJsonl(srv, mgr, pid);
  assert.deepEqual(lines[0].annotations.map((a) => a.result), [{ verdict: 'approve', flags: ['logic'], effort: 3.5, stars: 4 }]);
  assertClean(page, assert);
});

test('a lease that runs out: the user is told and gets a new one', async () => {
  const p = await apiAs(srv, mgr, 'POST', '/api/v1/projects', {
    name: 'Short leases', lease_seconds: 2, schema: { fields: [{ name: 'ok', type: 'choice', options: ['yes', 'no'] }] },
  });
  assert.equal(p.status, 201, p.text);
  assert.equal((await apiAs(srv, mgr, 'POST', `/api/v1/projects/${p.json.id}/members`, { email: DEMO.annotator.email })).status, 201);
  assert.equal((await apiAs(srv, mgr, 'POST', `/api/v1/projects/${p.json.id}/tasks`, [{ text: 'quick' }])).status, 201);
  await page.goto(`${srv.url}/#/p/${p.json.id}/label`);
  const task = page.locator('.task[data-lease-id]');
  await task.waitFor();
  const first = await task.getAttribute('data-lease-id');
  await page.getByRole('status').getByText(/ran out/).waitFor({ timeout: 8000 });
  await page.waitForFunction((l) => { const id = document.querySelector('.task')?.dataset.leaseId; return id && id !== l; }, first);
  assert.match(await page.getByRole('timer').innerText(), /^0:0[12] left$/);
  assertClean(page, assert);
});

test('20 submits in a row by keyboard: each brings the next task, then All done', async () => {
  const N = 21;
  const pid = await project('Twenty in a row', { fields: [{ name: 'ok', type: 'choice', options: ['yes', 'no'] }] },
    Array.from({ length: N }, (_, i) => ({ text: `Item ${i}` })));
  await page.goto(`${srv.url}/#/p/${pid}/label`);
  await page.locator('.task[data-task-id]').waitFor();
  await page.evaluate(() => {
    window.__tasks = 0;
    addEventListener('tally:task', () => { window.__tasks++; });
  });
  for (let i = 0; i < N; i++) {
    const id = await currentTask();
    await page.keyboard.press('1');
    await page.keyboard.press('Control+Enter');
    if (i < N - 1) await nextTask(id);
  }
  await page.getByRole('heading', { name: 'All done' }).waitFor();
  // (submit-to-next time is a figure, measured by bench/web/run.mjs)
  assert.equal(await page.evaluate(() => window.__tasks), N - 1);
  assertClean(page, assert);
});
