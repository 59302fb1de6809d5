// bench/web/run.mjs: the web UI's figures from issue 9, measured in Debian's
// Chromium against a real build/tally on loopback:
//   - sign-in to first task visible, with a 100,000-task project
//     (the sign-in form is sent with ?next= the labeling loop, as a link
//     to the project would);
//   - submit-to-next-task: Ctrl+Enter to the next task's text on screen,
//     measured inside the page (performance.now, MutationObserver), p50/p95
//     over SUBMITS submissions;
//   - what the page costs: JS + CSS, gzip-compressed, as served.
// Prints figures; asserts nothing (benchmarks are not tests).
//
// Usage: node bench/web/run.mjs   (TASKS=100000 SUBMITS=100 RUNS=5)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiAs, DEMO, launch, newPage, startServer } from '../../tests/browser/harness.mjs';

const TASKS = +(process.env.TASKS || 100000);
const SUBMITS = +(process.env.SUBMITS || 100);
const RUNS = +(process.env.RUNS || 5);

const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p / 100 * s.length) - 1)]; };
const ms = (x) => x.toFixed(1) + ' ms';

const srv = await startServer();
try {
  const token = srv.cli('token', 'create', '--email', DEMO.manager.email).stdout.trim();
  const p = await apiAs(srv, token, 'POST', '/api/v1/projects', {
    name: 'Bench: 100k choice tasks', overlap: 1,
    schema: { fields: [{ name: 'label', type: 'choice', options: ['yes', 'no', 'unsure'] }] },
  });
  if (p.status !== 201) throw new Error('project: ' + p.text);
  const pid = p.json.id;
  const file = join(srv.dir, 'tasks.jsonl');
  const lines = [];
  for (let i = 0; i < TASKS; i++) lines.push(JSON.stringify({ text: `bench task ${i}: is this sentence about the weather?` }));
  writeFileSync(file, lines.join('\n') + '\n');
  let t = performance.now();
  srv.cli('import', '--project', pid, file);
  console.log(`import ${TASKS} tasks (tally import): ${ms(performance.now() - t)}`);
  const m = await apiAs(srv, token, 'POST', `/api/v1/projects/${pid}/members`, { email: DEMO.annotator.email, role: 'annotator' });
  if (m.status >= 300) throw new Error('member: ' + m.text);

  // What the page costs over the wire.
  let wire = 0;
  const index = await (await fetch(srv.url + '/', { headers: { 'Accept-Encoding': 'gzip' } })).text();
  for (const [, path] of index.matchAll(/(?:src|href)="(\/assets\/[^"]+\.(?:js|css))"/g)) {
    const r = await fetch(srv.url + path, { headers: { 'Accept-Encoding': 'gzip' } });
    const raw = Number(r.headers.get('content-length'));
    wire += raw;
    console.log(`  ${path}: ${r.headers.get('content-encoding') || 'identity'} ${(raw / 1024).toFixed(1)} KiB on the wire`);
  }
  console.log(`page JS + CSS, gzip-compressed as served: ${(wire / 1024).toFixed(1)} KiB (budget 1536 KiB)`);

  const browser = await launch();
  const signin = [];
  for (let run = 0; run < RUNS; run++) {
    const page = await newPage(browser);
    await page.goto(`${srv.url}/#/login?next=${encodeURIComponent(`/p/${pid}/label`)}`);
    await page.getByLabel('Email').fill(DEMO.annotator.email);
    await page.getByLabel('Password').fill(DEMO.annotator.password);
    t = performance.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText(/bench task \d+/).first().waitFor();
    signin.push(performance.now() - t);
    if (run < RUNS - 1) await page.context().close();
    else {
      // submit → next, inside the page
      const times = await page.evaluate(async (n) => {
        const out = [];
        const text = () => (document.body.innerText.match(/bench task \d+/) || [''])[0];
        const key = (k, ctrl) => document.activeElement.dispatchEvent(new KeyboardEvent('keydown',
          { key: k, ctrlKey: !!ctrl, bubbles: true, cancelable: true }));
        for (let i = 0; i < n; i++) {
          const before = text();
          key('1');
          const t0 = performance.now();
          const seen = new Promise((ok) => {
            const mo = new MutationObserver(() => { const now = text(); if (now && now !== before) { mo.disconnect(); ok(); } });
            mo.observe(document.body, { subtree: true, childList: true, characterData: true });
          });
          key('Enter', true);
          await seen;
          await new Promise((ok) => requestAnimationFrame(() => ok()));
          out.push(performance.now() - t0);
        }
        return out;
      }, SUBMITS);
      console.log(`submit → next task painted, ${SUBMITS} submissions: p50 ${ms(pct(times, 50))}, p95 ${ms(pct(times, 95))}, max ${ms(Math.max(...times))}`);
      const problems = page.problems();
      if (problems.length) console.log('page problems:', problems);
    }
  }
  console.log(`sign-in click → first task visible (${RUNS} runs, ${TASKS} tasks): median ${ms(pct(signin, 50))}, max ${ms(Math.max(...signin))}`);
  await browser.close();
} finally {
  await srv.stop();
}
