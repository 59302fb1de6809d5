// access.test.mjs: who may see what, through the pages and through the API
// the pages use. A demo annotator opening manager screens gets "Not
// available" and none of the project's data in the DOM, and the API
// refuses the console's calls with their token. Another tenant's project
// can be opened by nobody of the demo tenant, neither as a page nor through
// the API. A revoked token stops working at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, apiAs, assertClean, launch, makeUser, newPage, projectByName, signIn, startServer } from './harness.mjs';

let srv, browser, managerToken, annotatorToken, demoProject, demoTask;
const SECRET_NAME = 'Other tenant secret project';
const SECRET_TEXT = 'TOP-SECRET-other-tenant-data';
let other; // {project, task}

before(async () => {
  srv = await startServer();
  browser = await launch();
  managerToken = srv.cli('token', 'create', '--email', DEMO.manager.email).stdout.trim();
  annotatorToken = srv.cli('token', 'create', '--email', DEMO.annotator.email).stdout.trim();
  demoProject = await projectByName(srv, managerToken, 'Demo: review sentiment');
  demoTask = (await apiAs(srv, managerToken, 'GET', `/api/v1/projects/${demoProject.id}/tasks?limit=1`)).json.tasks[0];

  // A second tenant with its own owner and project.
  srv.cli('tenant', 'create', 'othercorp');
  const owner = makeUser(srv, 'owner', 'othercorp');
  const created = await apiAs(srv, owner.token, 'POST', '/api/v1/projects', {
    name: SECRET_NAME, schema: { fields: [{ name: 'ok', type: 'choice', options: ['yes', 'no'] }] } });
  assert.equal(created.status, 201, created.text);
  const imp = await apiAs(srv, owner.token, 'POST', `/api/v1/projects/${created.json.id}/tasks`, [{ text: SECRET_TEXT }]);
  assert.equal(imp.status, 201, imp.text);
  const tasks = await apiAs(srv, owner.token, 'GET', `/api/v1/projects/${created.json.id}/tasks`);
  other = { project: created.json.id, task: tasks.json.tasks[0].id, owner };
});

after(async () => {
  if (browser) await browser.close();
  if (srv) await srv.stop();
});

/** The main area's text once the route has settled on a screen. */
async function mainText(page, hash, expect) {
  await page.evaluate((h) => { location.hash = h; }, hash);
  await page.locator('main h1').filter({ hasText: expect }).waitFor();
  return page.locator('main').innerText();
}

test('an annotator cannot open manager screens, nor call their API', async () => {
  const page = await newPage(browser);
  await signIn(page, srv, DEMO.annotator);
  assert.equal(await page.getByRole('link', { name: 'Console' }).count(), 0, 'no console link for an annotator');
  assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0, 'no admin link for an annotator');
  const pid = demoProject.id;
  for (const hash of ['#/manage', '#/manage/new', `#/manage/p/${pid}`, `#/manage/p/${pid}/data`,
    `#/manage/p/${pid}/members`, `#/manage/p/${pid}/task/${demoTask.id}`, '#/admin', '#/admin/tokens',
    `#/manage/p/${pid}/quality`, `#/manage/p/${pid}/workers`, `#/manage/p/${pid}/appeals`, `#/p/${pid}/review`]) {
    const text = await mainText(page, hash, 'Not available');
    assert.ok(!text.includes(demoTask.data.text), `${hash}: no task data`);
    assert.ok(!text.includes(DEMO.manager.email), `${hash}: no user list`);
    assert.equal(await page.locator('table').count(), 0, `${hash}: no console table`);
  }
  assertClean(page, assert);
  await page.context().close();

  // The API the console uses refuses the annotator's token.
  const calls = [
    ['POST', '/api/v1/projects', { name: 'x', schema: { fields: [{ name: 'a', type: 'text' }] } }],
    ['PATCH', `/api/v1/projects/${pid}`, { overlap: 3 }],
    ['DELETE', `/api/v1/projects/${pid}`],
    ['GET', `/api/v1/projects/${pid}/members`],
    ['POST', `/api/v1/projects/${pid}/members`, { email: DEMO.annotator.email }],
    ['GET', `/api/v1/projects/${pid}/tasks`],
    ['POST', `/api/v1/projects/${pid}/tasks`, [{ text: 'injected' }]],
    ['GET', `/api/v1/projects/${pid}/export?format=jsonl`],
    ['GET', `/api/v1/projects/${pid}/stats?bucket=hour`],
    ['GET', `/api/v1/tasks/${demoTask.id}`],
    ['GET', `/api/v1/projects/${pid}/quality`],
    ['GET', `/api/v1/projects/${pid}/workers`],
    ['GET', `/api/v1/projects/${pid}/reviewers`],
    ['GET', `/api/v1/projects/${pid}/aggregates`],
    ['POST', `/api/v1/projects/${pid}/aggregates/run`],
    ['POST', `/api/v1/projects/${pid}/quality/run`],
    ['POST', `/api/v1/projects/${pid}/reviews/next`],
    ['GET', `/api/v1/projects/${pid}/reviews?status=pending`],
    ['GET', '/api/v1/users'],
    ['POST', '/api/v1/users', { email: 'evil@example.test', role: 'owner' }],
  ];
  for (const [method, path, body] of calls) {
    const r = await apiAs(srv, annotatorToken, method, path, body);
    assert.ok(r.status === 403 || r.status === 404, `${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
  }
  const after = await apiAs(srv, managerToken, 'GET', `/api/v1/projects/${pid}`);
  assert.equal(after.json.overlap, demoProject.overlap, 'nothing changed');
});

test("another tenant's project cannot be opened, by page or API", async () => {
  for (const who of [DEMO.manager, DEMO.annotator]) {
    const page = await newPage(browser);
    // A project of another tenant answers 404 to the page's API calls; the
    // browser logs those, which is expected here.
    await signIn(page, srv, who);
    for (const hash of [`#/p/${other.project}/label`, `#/manage/p/${other.project}`,
      `#/manage/p/${other.project}/data`, `#/manage/p/${other.project}/task/${other.task}`]) {
      await page.evaluate((h) => { location.hash = h; }, hash);
      // Wait for the screen to settle on a refusal of some kind.
      await page.waitForFunction(() => /not available|not found|no access|cannot|Not available/i
        .test(document.querySelector('main')?.innerText || ''), null, { timeout: 10000 });
      const html = await page.content();
      assert.ok(!html.includes(SECRET_NAME), `${who.email} ${hash}: the name stays hidden`);
      assert.ok(!html.includes(SECRET_TEXT), `${who.email} ${hash}: the data stays hidden`);
    }
    assertClean(page, assert);
    await page.context().close();
  }
  for (const token of [managerToken, annotatorToken]) {
    for (const path of [`/api/v1/projects/${other.project}`, `/api/v1/projects/${other.project}/tasks`,
      `/api/v1/projects/${other.project}/members`, `/api/v1/projects/${other.project}/export?format=jsonl`,
      `/api/v1/tasks/${other.task}`]) {
      const r = await apiAs(srv, token, 'GET', path);
      assert.ok(r.status === 404 || r.status === 403, `${path}: ${r.status}`);
      assert.ok(!r.text.includes(SECRET_TEXT) && !r.text.includes(SECRET_NAME), `${path}: nothing leaks`);
    }
    const next = await apiAs(srv, token, 'POST', `/api/v1/projects/${other.project}/next`);
    assert.ok(next.status === 404 || next.status === 403, `next: ${next.status}`);
  }
  // The manager's project list does not hold it either.
  const list = await apiAs(srv, managerToken, 'GET', '/api/v1/projects');
  assert.ok(!list.text.includes(SECRET_NAME));
});

test('a revoked token stops working', async () => {
  const made = await apiAs(srv, managerToken, 'POST', '/api/v1/tokens', { name: 'to revoke' });
  assert.equal(made.status, 201, made.text);
  assert.equal((await apiAs(srv, made.json.token, 'GET', '/api/v1/me')).status, 200);
  assert.equal((await apiAs(srv, managerToken, 'DELETE', `/api/v1/tokens/${made.json.id}`)).status, 204);
  assert.equal((await apiAs(srv, made.json.token, 'GET', '/api/v1/me')).status, 401);
  assert.equal((await apiAs(srv, made.json.token, 'GET', '/api/v1/projects')).status, 401);
  // An owner of another tenant cannot revoke a demo token.
  const mine = await apiAs(srv, managerToken, 'POST', '/api/v1/tokens', { name: 'keep' });
  const r = await apiAs(srv, other.owner.token, 'DELETE', `/api/v1/tokens/${mine.json.id}`);
  assert.ok(r.status === 404 || r.status === 403, `cross-tenant revoke: ${r.status}`);
  assert.equal((await apiAs(srv, mine.json.token, 'GET', '/api/v1/me')).status, 200);
});
