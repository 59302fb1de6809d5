// signin.test.mjs: the outside contracts of the annotator's side, exactly
// as issue 9 states them: sign in through inputs labelled Email and
// Password and the button named Sign in; home lists the annotator's
// projects by name; a click on one opens the labeling loop; keys 1–9 pick
// a choice field's options in order; Ctrl+Enter submits and the next task
// replaces the current one without a page load; without views each data
// value is shown as text; a reload keeps the session; sign-out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, apiAs, assertClean, exportJsonl, launch, newPage, screenshot, signIn, startServer } from './harness.mjs';

let srv, browser, mgr, ann;

before(async () => {
  srv = await startServer();
  browser = await launch();
  mgr = srv.cli('token', 'create', '--email', DEMO.manager.email).stdout.trim();
  ann = srv.cli('token', 'create', '--email', DEMO.annotator.email).stdout.trim();
});
after(async () => { await browser?.close(); await srv?.stop(); });

/** A project made through the API with the manager's token, the demo
 *  annotator a member, and its tasks imported. → its id */
async function project(name, schema, tasks) {
  const p = await apiAs(srv, mgr, 'POST', '/api/v1/projects', { name, schema });
  assert.equal(p.status, 201, p.text);
  const m = await apiAs(srv, mgr, 'POST', `/api/v1/projects/${p.json.id}/members`, { email: DEMO.annotator.email, role: 'annotator' });
  assert.equal(m.status, 201, m.text);
  const t = await apiAs(srv, mgr, 'POST', `/api/v1/projects/${p.json.id}/tasks`, tasks);
  assert.equal(t.status, 201, t.text);
  return p.json.id;
}

const taskId = (page) => page.locator('.task').getAttribute('data-task-id');

test('sign in, home, the labeling loop by keyboard, a project without views, reload, sign out', async () => {
  const page = await newPage(browser);
  await page.goto(srv.url + '/');
  await page.getByLabel('Email').waitFor();
  await screenshot(page, 'signin');
  await signIn(page, srv, DEMO.annotator);

  // Home: the demo annotator's projects, by name.
  const me = (await apiAs(srv, ann, 'GET', '/api/v1/me')).json;
  assert.ok(me.projects.length >= 1);
  for (const p of me.projects) await page.getByRole('link', { name: p.name, exact: true }).waitFor();
  await screenshot(page, 'home');

  // A click on a name opens the loop.
  const sentiment = me.projects.find((p) => p.name === 'Demo: review sentiment');
  await page.getByRole('link', { name: sentiment.name, exact: true }).click();
  await page.waitForFunction((id) => location.hash === `#/p/${id}/label`, sentiment.id);
  await page.locator('.task[data-task-id]').waitFor();
  const url = page.url();

  // The choice field's options in order, by number key.
  const radios = page.getByRole('radiogroup', { name: 'sentiment' }).getByRole('radio');
  const options = ['positive', 'negative', 'neutral'];
  for (const [i, label] of [[2, 'negative'], [3, 'neutral'], [1, 'positive'], [2, 'negative']]) {
    await page.keyboard.press(String(i));
    assert.equal(await radios.nth(i - 1).isChecked(), true, `key ${i} picks ${label}`);
    assert.equal(await page.getByRole('radio', { name: label }).isChecked(), true);
  }
  assert.equal(await radios.count(), options.length);
  await screenshot(page, 'labeling-choice');

  // Ctrl+Enter submits; the next task replaces this one in the same document.
  await page.evaluate(() => { window.__sameDocument = 'yes'; });
  const first = await taskId(page);
  await page.keyboard.press('Control+Enter');
  await page.waitForFunction((id) => document.querySelector('.task')?.dataset.taskId !== id, first);
  assert.equal(await page.evaluate(() => window.__sameDocument), 'yes', 'no page load between tasks');
  assert.equal(page.url(), url, 'the URL stays');
  await page.getByText('1 done this session').waitFor();
  const exported = await exportJsonl(srv, mgr, sentiment.id);
  const labelled = exported.filter((l) => (l.annotations || []).length);
  assert.equal(labelled.length, 1);
  assert.equal(labelled[0].id ?? labelled[0].task_id, first);
  assert.deepEqual(labelled[0].annotations.map((a) => a.result), [{ sentiment: 'negative' }]);

  // A project without views: every data value as text.
  const data = { headline: 'Rain expected over the weekend', words: 5, tags: ['weather', 'news'], meta: { lang: 'en' } };
  const plain = await project('Plain data, no views', { fields: [{ name: 'ok', type: 'choice', options: ['yes', 'no'] }] }, [data]);
  await page.goto(`${srv.url}/#/p/${plain}/label`);
  const task = page.locator('.task');
  await task.getByText('Rain expected over the weekend').waitFor();
  for (const key of Object.keys(data)) await task.locator('figcaption', { hasText: key }).first().waitFor();
  const text = await task.innerText();
  assert.match(text, /\b5\b/);
  assert.match(text, /"weather"/);
  assert.match(text, /"lang": "en"/);

  // Answer it: nothing is left, the "All done" screen.
  await page.keyboard.press('2');
  await page.getByRole('button', { name: /Submit/ }).click();
  await page.getByRole('heading', { name: 'All done' }).waitFor();
  await screenshot(page, 'done');
  const plainExport = await exportJsonl(srv, mgr, plain);
  assert.deepEqual(plainExport[0].annotations.map((a) => a.result), [{ ok: 'no' }]);

  // Their own page: tasks done and time spent (or a note while the server has no stats).
  await page.getByRole('link', { name: 'My work' }).click();
  await page.getByRole('heading', { name: 'My work' }).waitFor();
  await page.locator('.tiles, .me .note').first().waitFor();
  await screenshot(page, 'me');

  // A reload keeps the session.
  await page.goto(srv.url + '/');
  await page.reload();
  await page.getByRole('link', { name: sentiment.name, exact: true }).waitFor();
  await page.getByText(DEMO.annotator.email).waitFor();

  // Sign out: back to the sign-in form, and a reload does not bring the session back.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await page.reload();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  assert.match(page.url(), /#\/login/);
  assertClean(page, assert);
  await page.context().close();
});
