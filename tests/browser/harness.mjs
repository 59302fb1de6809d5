// harness.mjs: what every browser test shares. A real `build/tally` on a
// fresh store seeded by `tally demo` on a free loopback port, Debian's
// Chromium driven by playwright-core, and checks that run on every page:
// no Content-Security-Policy violation, no uncaught error. Screenshots go to
// build/screenshots/ (the issue asks for one per main screen).
//
// Environment: TALLY_BIN (default build/tally), CHROMIUM (default
// /usr/bin/chromium), TALLY_SAN=1 stretches timeouts for sanitizer builds.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// playwright-core is one of web/'s pinned dev dependencies (web/package-lock.json).
const { chromium } = createRequire(join(REPO, 'web', 'package.json'))('playwright-core');
export const TALLY_BIN = process.env.TALLY_BIN || join(REPO, 'build', 'tally');
export const SLOW = process.env.TALLY_SAN === '1' || TALLY_BIN.includes('/san/') ? 3 : 1;
export const SHOTS = join(REPO, 'build', 'screenshots');

export const DEMO = {
  manager: { email: 'manager@demo.tally.local', password: 'demo-manager-pass' },
  annotator: { email: 'annotator@demo.tally.local', password: 'demo-annotator-pass' },
};

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => ok(p)); });
    s.on('error', fail);
  });
}

/** A server on a fresh demo store. {url, dir, cli(...args, {input}), stop()} */
export async function startServer({ demo = true, args = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'tally-browser-'));
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  const cli = (...a) => {
    let opts = {};
    if (a.length && typeof a[a.length - 1] === 'object') opts = a.pop();
    const [cmd, ...rest] = a;
    const r = spawnSync(TALLY_BIN, [cmd, ...rest, '--data', dir],
    { input: opts.input, encoding: 'utf8', env: { ...process.env, TALLY_LISTEN: listen } });
    if (r.status !== 0 && !opts.allowFail)
      throw new Error(`tally ${a.join(' ')}: exit ${r.status}: ${r.stderr}`);
    return r;
  };
  if (demo) cli('demo');
  const proc = spawn(TALLY_BIN, ['serve', '--data', dir, '--listen', listen, ...args],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', (d) => { log += d; if (log.length > 1 << 20) log = log.slice(-(1 << 19)); });
  const url = `http://${listen}`;
  const deadline = Date.now() + 20000 * SLOW;
  for (;;) {
    try { if ((await fetch(url + '/healthz')).ok) break; } catch { /* not yet */ }
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error('server did not start: ' + log);
    await new Promise((r) => setTimeout(r, 50));
  }
  const stop = async () => {
    if (proc.exitCode === null) {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
    if (/ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer/.test(log))
      throw new Error('sanitizer report in the server log:\n' + log.slice(-4000));
  };
  return { url, dir, cli, stop, log: () => log };
}

/** A user made through the CLI: {email, password, token, id}. tenant null →
 *  the platform workforce (annotators only). */
export function makeUser(srv, role, tenant, password = 'browser-test-pass-' + Math.random().toString(36).slice(2)) {
  const email = `${role}-${Math.random().toString(36).slice(2, 10)}@example.test`;
  const args = ['user', 'create', '--email', email, '--role', role, '--password-stdin'];
  if (tenant) args.push('--tenant', tenant);
  const id = srv.cli(...args, { input: password + '\n' }).stdout.trim();
  const token = srv.cli('token', 'create', '--email', email).stdout.trim();
  return { email, password, token, id, role };
}

/** The API with a bearer token (setup and checks outside the page). */
export async function apiAs(srv, token, method, path, body) {
  const res = await fetch(srv.url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not json */ }
  return { status: res.status, json, text, headers: res.headers };
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  '--autoplay-policy=no-user-gesture-required'];

export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

/** A new page (its own context: own cookies) that records CSP violations,
 *  uncaught errors and console errors; page.problems() lists them. */
export async function newPage(browser, { viewport = { width: 1280, height: 720 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const t = m.text();
    // A refused request shows up as a console error too; the tests that
    // provoke 4xx answers on purpose filter those themselves.
    if (/Failed to load resource: the server responded with a status of (40[0-9]|41[0-9]|42[0-9])/.test(t)) return;
    problems.push('console error: ' + t);
  });
  page.problems = () => problems;
  return page;
}

/** Fail if the page saw a CSP violation, an uncaught error or a console error. */
export function assertClean(page, assert) {
  assert.deepEqual(page.problems(), [], 'the page reported problems');
}

export async function signIn(page, srv, who) {
  await page.goto(srv.url + '/');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForFunction(() => !location.hash.startsWith('#/login'));
}

export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: false });
}

/** The demo store's project id by (part of) its name, through the manager's token. */
export async function projectByName(srv, token, part) {
  const r = await apiAs(srv, token, 'GET', '/api/v1/projects');
  const p = (r.json.projects || r.json).find((x) => x.name.includes(part));
  if (!p) throw new Error('no project named like ' + part);
  return p;
}

/** Export lines (jsonl) of a project, parsed. */
export async function exportJsonl(srv, token, projectId) {
  const r = await apiAs(srv, token, 'GET', `/api/v1/projects/${projectId}/export?format=jsonl`);
  if (r.status !== 200) throw new Error('export: ' + r.status + ' ' + r.text);
  return r.text.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

/** Wait until the page has not changed for 300 ms (a screen done drawing). */
export async function settled(page) {
  await page.evaluate(() => new Promise((ok) => {
    let timer = setTimeout(done, 300);
    const mo = new MutationObserver(() => { clearTimeout(timer); timer = setTimeout(done, 300); });
    function done() { mo.disconnect(); ok(); }
    mo.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  }));
}

/** Controls without an accessible name on the page, as HTML excerpts. The
 *  name is computed as a screen reader would find it first: aria-label,
 *  aria-labelledby, the <label>, title, then the text; shadow roots
 *  included (the code view and the waveform live in them). */
export function unnamedControls(page) {
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
