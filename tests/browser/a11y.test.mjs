// a11y.test.mjs: every control on every main screen has an accessible name
// (the issue: "Accessible names on controls"), for an annotator (home, each
// demo modality's labeling screen, own page) and a manager (console screens,
// the quality tabs, the review queue). The name is computed as a screen
// reader would find it first (harness.mjs: unnamedControls).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, assertClean, launch, newPage, projectByName, settled, signIn, startServer, unnamedControls as unnamed } from './harness.mjs';

let srv, browser, mgr;
before(async () => {
  srv = await startServer();
  browser = await launch();
  mgr = srv.cli('token', 'create', '--email', DEMO.manager.email).stdout.trim();
});
after(async () => { await browser?.close(); await srv?.stop(); });

test('every control on the annotator screens has an accessible name', async () => {
  const page = await newPage(browser);
  await signIn(page, srv, DEMO.annotator);
  await settled(page);
  assert.deepEqual(await unnamed(page), [], 'home');
  for (const part of ['driving scene', 'audio transcription', 'named entities', 'code review', 'LLM preference', 'SFT']) {
    const p = await projectByName(srv, mgr, part);
    await page.goto(`${srv.url}/#/p/${p.id}/label`);
    await page.getByRole('button', { name: /Submit/ }).waitFor();
    await settled(page);
    assert.deepEqual(await unnamed(page), [], part);
  }
  await page.goto(`${srv.url}/#/me`);
  await settled(page);
  assert.deepEqual(await unnamed(page), [], 'my work');
  assertClean(page, assert);
});

test('every control on the console screens has an accessible name', async () => {
  const page = await newPage(browser);
  await signIn(page, srv, DEMO.manager);
  const p = await projectByName(srv, mgr, 'driving scene');
  for (const r of ['/manage', '/manage/new', `/manage/p/${p.id}`, `/manage/p/${p.id}/data`,
    `/manage/p/${p.id}/import`, `/manage/p/${p.id}/export`, `/manage/p/${p.id}/members`,
    `/manage/p/${p.id}/settings`, `/manage/p/${p.id}/quality`, `/manage/p/${p.id}/workers`,
    `/manage/p/${p.id}/appeals`, '/review', `/p/${p.id}/review`]) {
    await page.goto(`${srv.url}/#${r}`);
    await settled(page);
    assert.deepEqual(await unnamed(page), [], r);
  }
  assertClean(page, assert);
});
