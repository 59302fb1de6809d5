// console.test.mjs: the manager console and the tenant admin, end to end in
// Chromium against a real server on the demo store. A manager creates a
// project from a pasted Label Studio config, imports a CSV through the
// progress bar, adds the demo annotator, watches the numbers move after
// submissions, browses the data (pages, filter, one task read-only),
// exports through the page and changes a setting. An admin creates a user
// and a token (shown once), revokes it, and the token stops working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEMO, apiAs, assertClean, launch, makeUser, newPage, screenshot, signIn, startServer } from './harness.mjs';

const LS_CONFIG = `<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text">
    <Choice value="pos"/>
    <Choice value="neg"/>
  </Choices>
</View>`;
const ROWS = 4000;
const SUBMITS = 5;

let srv, browser, managerToken, annotatorToken;

before(async () => {
  srv = await startServer();
  browser = await launch();
  managerToken = srv.cli('token', 'create', '--email', DEMO.manager.email).stdout.trim();
  annotatorToken = srv.cli('token', 'create', '--email', DEMO.annotator.email).stdout.trim();
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

/** A CSV of ROWS reviews, about 0.4 MB: big enough that an upload throttled
 *  to 1 MB/s reports progress several times. */
function csv() {
  const lines = ['text'];
  for (let i = 0; i < ROWS; i++) lines.push(`"Review ${i}: the product arrived ${i % 7} days late, ""fine"" otherwise, would consider again."`);
  return Buffer.from(lines.join('\n') + '\n');
}

test('a manager runs a project from the console', async () => {
  const page = await newPage(browser);
  await signIn(page, srv, DEMO.manager);

  // Projects, then a new one from a pasted Label Studio config.
  await page.goto(srv.url + '/#/manage');
  await page.getByRole('table', { name: 'Projects' }).getByRole('link', { name: 'Demo: review sentiment' }).waitFor();
  await screenshot(page, 'console-projects');
  await page.getByRole('link', { name: 'New project' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Console test: reviews');
  await page.getByLabel('Instructions').fill('Pick **pos** or **neg**.');
  await page.getByRole('tab', { name: 'Paste a Label Studio config' }).click();
  await page.getByLabel('Label Studio config (XML)').fill(LS_CONFIG);
  await page.getByRole('button', { name: 'Convert to schema' }).click();
  const schemaBox = page.getByLabel('Schema (JSON)');
  await schemaBox.waitFor();
  await page.waitForFunction(() => /"sentiment"/.test(document.getElementById('schema-json').value));
  const schema = JSON.parse(await schemaBox.inputValue());
  assert.deepEqual(schema.fields.find((f) => f.name === 'sentiment').options, ['pos', 'neg']);
  await page.locator('#schema-verdict.ok').waitFor();
  await page.getByLabel('Preview of the labeling view').getByText(/Ada Lovelace/).first().waitFor();
  // A broken edit is reported live, and mending it clears the error.
  await schemaBox.fill('{"fields": [');
  await page.locator('#schema-verdict.error').waitFor();
  // With the server's validate route, a well-formed but wrong schema is
  // refused live with the server's reason.
  const validate = await apiAs(srv, managerToken, 'POST', '/api/v1/schemas/validate', { schema });
  if (validate.status === 200) {
    await schemaBox.fill('{"fields": [{"name": "x", "type": "no-such-type"}]}');
    await page.locator('#schema-verdict.c-status.error').filter({ hasText: /^Invalid: / }).waitFor();
  }
  await schemaBox.fill(JSON.stringify(schema, null, 2));
  await page.locator('#schema-verdict.ok').waitFor();
  await screenshot(page, 'console-new-project');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.waitForFunction(() => /^#\/manage\/p\/[^/]+\/import$/.test(location.hash));
  const pid = await page.evaluate(() => location.hash.split('/')[3]);
  const created = await apiAs(srv, managerToken, 'GET', `/api/v1/projects/${pid}`);
  assert.equal(created.status, 200);
  assert.equal(created.json.instructions, 'Pick **pos** or **neg**.');

  // Import a CSV with the progress bar: record every value it shows.
  await page.getByLabel('File').setInputFiles({ name: 'reviews.csv', mimeType: 'text/csv', buffer: csv() });
  await page.evaluate(() => {
    const bar = document.querySelector('progress[aria-label="Import progress"]');
    window.__progress = [];
    new MutationObserver(() => window.__progress.push([+bar.value, +bar.max]))
      .observe(bar, { attributes: true, attributeFilter: ['value', 'max'] });
  });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions',
    { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByText(`Imported ${ROWS} tasks.`).waitFor({ timeout: 30000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const seen = await page.evaluate(() => window.__progress);
  assert.ok(seen.some(([v, m]) => v > 0 && v < m), 'the bar was seen part-way: ' + JSON.stringify(seen.slice(0, 20)));
  const [lastV, lastM] = seen[seen.length - 1];
  assert.equal(lastV, lastM, 'the bar ends full');
  await screenshot(page, 'console-import');

  // Members: add the demo annotator by email.
  await page.getByRole('link', { name: 'Members' }).click();
  await page.getByLabel('Email').fill(DEMO.annotator.email);
  await page.getByRole('button', { name: 'Add member' }).click();
  await page.getByRole('table', { name: 'Members' }).getByRole('cell', { name: DEMO.annotator.email, exact: true }).waitFor();

  // Overview before and after the annotator submits: the numbers move.
  await page.getByRole('link', { name: 'Overview' }).click();
  const stat = (k) => page.locator(`[data-stat="${k}"]`);
  await page.waitForFunction((n) => document.querySelector('[data-stat="tasks"]')?.textContent === String(n), ROWS);
  assert.equal(await stat('complete').textContent(), '0');
  assert.equal(await stat('annotations').textContent(), '0');
  for (let i = 0; i < SUBMITS; i++) {
    const next = await apiAs(srv, annotatorToken, 'POST', `/api/v1/projects/${pid}/next`);
    assert.equal(next.status, 200, next.text);
    const sub = await apiAs(srv, annotatorToken, 'POST', `/api/v1/tasks/${next.json.task.id}/annotations`,
      { lease_id: next.json.lease.id, result: { sentiment: i % 2 ? 'neg' : 'pos' } });
    assert.equal(sub.status, 201, sub.text);
  }
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.waitForFunction((n) => document.querySelector('[data-stat="complete"]')?.textContent === String(n), SUBMITS);
  assert.equal(await stat('annotations').textContent(), String(SUBMITS));
  // With the stats route, the charts draw (uPlot canvases) and the
  // annotator appears in the per-annotator bars; without it they say so.
  const stats = await apiAs(srv, managerToken, 'GET', `/api/v1/projects/${pid}/stats?bucket=hour`);
  if (stats.status === 200) {
    await page.locator('.chart canvas').first().waitFor();
    await page.getByRole('table', { name: 'Labels per annotator' }).getByRole('cell', { name: String(SUBMITS) }).waitFor();
  } else {
    await page.getByText('No data yet').first().waitFor();
  }
  await screenshot(page, 'console-overview');

  // Data: pages by cursor, the complete filter, one task read-only.
  await page.getByRole('link', { name: 'Data' }).click();
  const rows = page.getByRole('table', { name: 'Tasks' }).locator('tbody tr');
  await page.getByText('Page 1 · 50 tasks').waitFor();
  const firstOnPage1 = await rows.first().textContent();
  await page.getByRole('button', { name: 'Next →' }).click();
  await page.getByText('Page 2 · 50 tasks').waitFor();
  assert.notEqual(await rows.first().textContent(), firstOnPage1);
  await page.getByRole('button', { name: '← Previous' }).click();
  await page.getByText('Page 1 · 50 tasks').waitFor();
  assert.equal(await rows.first().textContent(), firstOnPage1);
  await page.getByLabel('State').selectOption('complete');
  await page.getByText(`Page 1 · ${SUBMITS} tasks`).waitFor();
  assert.equal(await rows.count(), SUBMITS);
  assert.equal(await page.locator('tbody .c-state.complete').count(), SUBMITS);
  await screenshot(page, 'console-data');
  await rows.first().getByRole('link').click();
  await page.getByRole('heading', { name: 'Annotations (1)' }).waitFor();
  const card = page.locator('article.annotation');
  await card.getByRole('heading', { name: /^Annotation by / }).waitFor();
  await card.locator('.readonly-form').getByText(/Review \d+/).first().waitFor();
  await screenshot(page, 'console-task');
  await page.getByRole('link', { name: '← Back to data' }).click();
  await page.getByText(`Page 1 · ${SUBMITS} tasks`).waitFor(); // the filter was remembered

  // Export through the page: the file holds the submitted labels.
  await page.getByRole('link', { name: 'Export' }).click();
  const [download] = await Promise.all([page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download export as jsonl' }).click()]);
  const lines = readFileSync(await download.path(), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const labels = JSON.stringify(lines);
  assert.ok(labels.includes('"pos"') && labels.includes('"neg"'), 'the export holds the labels');

  // Settings: change the overlap; the server has it.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByLabel('Overlap').fill('2');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Saved.').waitFor();
  assert.equal((await apiAs(srv, managerToken, 'GET', `/api/v1/projects/${pid}`)).json.overlap, 2);
  // A manager gets no delete button (owners and admins only).
  assert.equal(await page.getByRole('button', { name: 'Delete this project' }).count(), 0);
  assertClean(page, assert);
  await page.context().close();
});

test('an admin manages users and tokens; a revoked token stops working', async () => {
  const admin = makeUser(srv, 'admin', 'demo');
  const page = await newPage(browser);
  await signIn(page, srv, admin);
  await page.goto(srv.url + '/#/admin');
  const email = `new-${Date.now()}@example.test`;
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Role', { exact: true }).selectOption('manager');
  await page.getByLabel('Password', { exact: true }).fill('a-long-enough-password');
  await page.getByRole('button', { name: 'Create user' }).click();
  const users = page.getByRole('table', { name: 'Users' });
  await users.getByRole('cell', { name: email, exact: true }).waitFor();
  const listed = (await apiAs(srv, admin.token, 'GET', '/api/v1/users')).json.users.find((u) => u.email === email);
  assert.equal(listed.role, 'manager');
  // Change the role from the table.
  await page.getByLabel(`Role of ${email}`).selectOption('reviewer');
  await page.getByText(`${email}: active, reviewer.`).waitFor();
  await screenshot(page, 'admin-users');

  await page.getByRole('link', { name: 'API tokens' }).click();
  await page.getByLabel('Token name').fill('ci script');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secretBox = page.getByLabel(/New token/);
  await secretBox.waitFor();
  const secret = await secretBox.inputValue();
  assert.match(secret, /\S{20,}/);
  await page.getByText('It is shown only this once').waitFor();
  assert.equal((await apiAs(srv, secret, 'GET', '/api/v1/me')).status, 200);
  await screenshot(page, 'admin-tokens');
  // Shown once: after a reload the secret is nowhere in the page.
  await page.reload();
  await page.getByRole('table', { name: 'Tokens' }).getByRole('cell', { name: 'ci script', exact: true }).waitFor();
  assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');
  await page.getByRole('table', { name: 'Tokens' }).getByRole('row', { name: /ci script/ })
    .getByRole('button', { name: /^Revoke/ }).click();
  await page.getByText('Revoked ci script.').waitFor();
  assert.equal((await apiAs(srv, secret, 'GET', '/api/v1/me')).status, 401);
  assertClean(page, assert);
  await page.context().close();
});
