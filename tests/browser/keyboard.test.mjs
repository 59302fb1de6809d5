// keyboard.test.mjs: a whole choice project labeled with the keyboard only
// (no mouse click anywhere): sign in, open the project with its number key,
// answer two choice fields per task (number keys on the active field, Tab
// to the next), submit with Ctrl+Enter, a refused submit with a field left
// empty, one skip with a reason through the dialog, the shortcuts list on
// `?`; then the export holds exactly those labels and the skipped task has
// none from this annotator.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { apiAs, assertClean, exportJsonl, launch, makeUser, newPage, screenshot, startServer, DEMO } from './harness.mjs';

let srv, browser, mgr;
before(async () => {
  srv = await startServer();
  browser = await launch();
  mgr = srv.cli('token', 'create', '--email', DEMO.manager.email).stdout.trim();
});
after(async () => { await browser?.close(); await srv?.stop(); });

const TOPICS = ['sports', 'politics', 'science', 'arts'];
const TEXTS = ['The striker scored twice.', 'Parliament passed the bill.', 'A new exoplanet was found.',
  'The museum reopened its gallery.', 'The marathon drew record crowds.'];
// What the annotator answers per task (by text): topic key, confidence key; null = skip.
const PLAN = {
  [TEXTS[0]]: [1, 2], [TEXTS[1]]: [2, 1], [TEXTS[2]]: null, [TEXTS[3]]: [4, 2], [TEXTS[4]]: [1, 1],
};

test('label a choice project with the keyboard only, skip one with a reason, export', async () => {
  const user = makeUser(srv, 'annotator', 'demo');
  const schema = {
    views: [{ source: 'text', kind: 'text' }],
    fields: [{ name: 'topic', type: 'choice', options: TOPICS },
      { name: 'confidence', type: 'choice', options: ['low', 'high'] }],
  };
  const p = await apiAs(srv, mgr, 'POST', '/api/v1/projects', { name: 'Keyboard topics', schema });
  assert.equal(p.status, 201, p.text);
  const pid = p.json.id;
  assert.equal((await apiAs(srv, mgr, 'POST', `/api/v1/projects/${pid}/members`, { email: user.email })).status, 201);
  assert.equal((await apiAs(srv, mgr, 'POST', `/api/v1/projects/${pid}/tasks`, TEXTS.map((text) => ({ text })))).status, 201);

  const page = await newPage(browser);
  await page.goto(srv.url + '/');
  // Sign in by typing: the email field has the focus.
  await page.getByLabel('Email').waitFor();
  await page.keyboard.type(user.email);
  await page.keyboard.press('Tab');
  await page.keyboard.type(user.password);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Your projects' }).waitFor();

  // Home: the project's number key opens it.
  const me = (await apiAs(srv, user.token, 'GET', '/api/v1/me')).json;
  const index = me.projects.findIndex((x) => x.id === pid);
  assert.ok(index >= 0 && index < 9);
  await page.getByRole('link', { name: 'Keyboard topics' }).waitFor();
  await page.keyboard.press(String(index + 1));
  await page.locator('.task[data-task-id]').waitFor();

  // `?` lists the shortcuts.
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await help.getByText('Submit and go to the next task').waitFor();
  await help.getByText('Skip this task (with a reason)').waitFor();
  await screenshot(page, 'shortcuts');
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'detached' });

  const seen = [];
  for (let n = 0; n < TEXTS.length; n++) {
    const text = await page.locator('.task .v-text').first().innerText();
    const id = await page.locator('.task').getAttribute('data-task-id');
    seen.push(text);
    const plan = PLAN[text];
    assert.ok(plan !== undefined, 'a task of the project: ' + text);
    if (plan === null) {
      await page.keyboard.press('s');
      const dialog = page.getByRole('dialog', { name: 'Skip this task' });
      await dialog.waitFor();
      await page.keyboard.press('2'); // "Data is broken or missing"
      await page.keyboard.press('Tab'); // to the details
      await page.keyboard.type('the scan is cut off');
      await screenshot(page, 'skip-dialog');
      await page.keyboard.press('Control+Enter');
      await dialog.waitFor({ state: 'detached' });
    } else {
      const [topic, conf] = plan;
      if (n === 0) {
        // Nothing answered yet: the submit is refused with a message by the field.
        await page.keyboard.press('Control+Enter');
        await page.locator('[data-field="topic"] .field-error').getByText(/Required/).waitFor();
        assert.equal(await page.locator('.task').getAttribute('data-task-id'), id);
      }
      await page.keyboard.press(String(topic)); // the first field by default
      await page.keyboard.press('Tab'); // into topic's radio group
      await page.keyboard.press('Tab'); // on to confidence
      await page.keyboard.press(String(conf));
      assert.equal(await page.getByRole('radiogroup', { name: 'topic' }).getByRole('radio').nth(topic - 1).isChecked(), true);
      assert.equal(await page.getByRole('radiogroup', { name: 'confidence' }).getByRole('radio').nth(conf - 1).isChecked(), true);
      await page.keyboard.press('Control+Enter');
    }
    if (n < TEXTS.length - 1) await page.waitForFunction((old) => document.querySelector('.task')?.dataset.taskId !== old, id);
  }
  await page.getByRole('heading', { name: 'All done' }).waitFor();
  await page.getByText('4 done this session').waitFor();
  assert.deepEqual([...seen].sort(), [...TEXTS].sort());

  // The export: exactly the labels given, and nothing on the skipped task.
  const lines = await exportJsonl(srv, mgr, pid);
  assert.equal(lines.length, TEXTS.length);
  for (const l of lines) {
    const plan = PLAN[l.data.text];
    const results = (l.annotations || []).map((a) => a.result);
    if (plan === null) assert.deepEqual(results, [], 'the skipped task has no annotation');
    else assert.deepEqual(results, [{ topic: TOPICS[plan[0] - 1], confidence: ['low', 'high'][plan[1] - 1] }], l.data.text);
  }
  assertClean(page, assert);
  await page.context().close();
});
