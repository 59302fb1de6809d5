// api.js: the one way the page talks to the server: the public JSON API
// (/api/v1, documented in /api/v1/openapi.json), same origin, with the
// session cookie (HttpOnly, set by POST /api/v1/auth/session) and the CSRF
// token the session answer carries on every state-changing request.

let csrf = null;
let me = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || `HTTP ${status}`);
    this.status = status;
    this.code = code || 'http_' + status;
  }
}

/** The signed-in user (GET /api/v1/me's object) or null. */
export const currentUser = () => me;
/** Called with the user (or null) whenever the session changes. */
export function onSession(fn) { listeners.add(fn); return () => listeners.delete(fn); }
function setSession(s) {
  csrf = s ? s.csrf : null;
  me = s ? s.user : null;
  for (const fn of listeners) fn(me);
}

/** api('GET', '/api/v1/projects') → parsed JSON (null for 204).
 *  opts: {signal, raw: true → the Response itself, headers, body as string/Blob}.
 *  Throws ApiError for any non-2xx answer (the server's {"error":{code,message}}). */
export async function api(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json', ...(opts.headers || {}) };
  let payload;
  if (body !== undefined && body !== null) {
    if (typeof body === 'string' || body instanceof Blob || body instanceof ArrayBuffer) payload = body;
    else { payload = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
  }
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', signal: opts.signal });
  if (opts.raw && res.ok) return res;
  if (res.status === 204) return null;
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const e = json && json.error ? json.error : {};
    if (res.status === 401 && me) setSession(null);
    throw new ApiError(res.status, e.code, e.message || text.slice(0, 200));
  }
  return json;
}

export async function signIn(email, password) {
  setSession(await api('POST', '/api/v1/auth/session', { email, password }));
  return me;
}

export async function signOut() {
  try { await api('DELETE', '/api/v1/auth/session'); } finally { setSession(null); }
}

/** On page load: pick up an existing session (the cookie is HttpOnly, so the
 *  server tells us who we are and our CSRF token). */
export async function resume() {
  try { setSession(await api('GET', '/api/v1/auth/session')); } catch { setSession(null); }
  return me;
}

/** The CSRF header for requests made without api() (XMLHttpRequest uploads). */
export const csrfHeader = () => (csrf ? { 'X-CSRF-Token': csrf } : {});

/** Roles that run projects (see authz/policy.h). */
export const isStaff = (u) => !!u && ['owner', 'admin', 'manager'].includes(u.role);
