// a11y.test.mjs: every control on every main screen has an accessible name
// (the issue: "Accessible names on controls"), for an annotator (home, each
// demo modality's labeling screen, own page) and a manager (console screens).
// The name is computed as a screen reader would find it first: aria-label,
// aria-labelledby, the <label>, title, then the text; shadow roots included
// (the code view and the waveform live in them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO, assertClean, launch, newPage, projectByName, signIn, startServer } from './harness.mjs';

let srv, browser, mgr;
before(async () => {
  srv = await startServer();
  browser = await launch();
  mgr = srv.cli('token', 'create', '--email', DEMO.manager.email).stdout.trim();
});
after(async () => { await browser?.close(); await srv?.stop(); });

/** Wait until the page has not changed for 300 ms (a screen done drawing). */
async function settled(page) {
  await page.evaluate(() => new Promise((ok) => {
    let timer = setTimeout(done, 300);
    const mo = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, 300); });
    function done() { mo.disconnect(); ok(); }
    mo.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  }));
}

/** Controls without an accessible name on the page, as HTML excerpts. */
function unnamed(page) {
  return page.evaluate(() => {
    const SEL = 'button, input, select, textarea, [role=button], [role=checkbox], [role=radio], a[href]';
    const all = [...document.querySelectorAll(SEL)];
    const walk = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (!el.shadowRoot) continue;
        all.push(...el.shadowRoot.querySelectorAll(SEL));
        walk(el.shadowRoot);
      }
    };
    walk(document);
    const name = (el) => {
      if (el.getAttribute('aria-label')) return el.getAttribute('aria-label');
      const by = el.getAttribute('aria-labelledby');
      if (by) return by.split(/\s+/).map((id) => el.getRootNode().getElementById?.(id)?.textContent || '').join(' ').trim();
      if (el.labels && el.labels.length) return [...el.labels].map((l) => l.textContent).join(' ').trim();
      if (el.title) return el.title;
      if (el.tagName === 'INPUT' && ['submit', 'button'].includes(el.type)) return el.value;
      return (el.textContent || '').trim();
    };
    return all.filter((el) => el.type !== 'hidden' && el.getClientRects().length > 0 && !name(el))
      .map((el) => el.outerHTML.slice(0, 160));
  });
}

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
    `/manage/p/${p.id}/settings`]) {
    await page.goto(`${srv.url}/#${r}`);
    await settled(page);
    assert.deepEqual(await unnamed(page), [], r);
  }
  assertClean(page, assert);
});
