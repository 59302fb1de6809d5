// router.js: hash routes (#/p/ID/label), so the server serves one page at
// `/` and a reload or a shared link lands on the same screen. A screen is
// render(root, params) → optional cleanup function, called when it is left.

const routes = [];
let cleanup = null;
let root = null;

/** route('/p/:id/label', render, {staff: true}) */
export function route(pattern, render, opts = {}) {
  const names = [];
  const re = new RegExp('^' + pattern.replace(/:(\w+)/g, (_, n) => { names.push(n); return '([^/]+)'; }) + '$');
  routes.push({ re, names, render, opts, pattern });
}

export function go(path) {
  if (location.hash === '#' + path) render();
  else location.hash = path;
}

export const currentPath = () => location.hash.replace(/^#/, '') || '/';

/** guard(opts, path) → a path to go to instead, or null. Set by main.js. */
let guard = () => null;
export function setGuard(fn) { guard = fn; }

export async function render() {
  const path = currentPath();
  for (const r of routes) {
    const m = r.re.exec(path.split('?')[0]); // #/login?next=... is the /login route
    if (!m) continue;
    const redirect = guard(r.opts, path);
    if (redirect && redirect !== path) { go(redirect); return; }
    if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } cleanup = null; }
    const params = {};
    r.names.forEach((n, i) => { params[n] = decodeURIComponent(m[i + 1]); });
    root.replaceChildren();
    const c = await r.render(root, params);
    cleanup = typeof c === 'function' ? c : null;
    return;
  }
  go('/');
}

export function start(el) {
  root = el;
  addEventListener('hashchange', render);
  return render();
}
