// main.js: the page's entry. It draws the frame (header, navigation, sign
// out), the sign-in screen, and starts the router; the screens register
// themselves: screens/ is the annotator's side (home, labeling loop, own
// page), console/ the manager's and admin's side. See docs/web.md.
import './app.css';
import { h, mount } from './lib/dom.js';
import { api, currentUser, isStaff, onSession, resume, signIn, signOut } from './lib/api.js';
import { go, render, route, setGuard, start } from './lib/router.js';
import './screens/index.js';
import './console/index.js';
import { mayReview } from './screens/review.js';

const isAdmin = (u) => !!u && (u.role === 'owner' || u.role === 'admin');

setGuard((opts, path) => {
  const u = currentUser();
  if (opts.public) return null;
  if (!u) return '/login?next=' + encodeURIComponent(path);
  if (opts.admin && !isAdmin(u)) return '/forbidden';
  if (opts.staff && !isStaff(u)) return '/forbidden';
  return null;
});

function header(u) {
  const link = (href, text) => h('a', { href: '#' + href }, text);
  return h('header', { class: 'top' },
    h('a', { class: 'brand', href: '#/' }, 'Tally'),
    u && h('nav', { 'aria-label': 'Main' },
      link('/', 'Projects'),
      link('/me', 'My work'),
      mayReview(u) && link('/review', 'Review'),
      isStaff(u) && link('/manage', 'Console'),
      isAdmin(u) && link('/admin', 'Admin')),
    u && h('span', { class: 'who' }, u.email),
    u && h('button', { type: 'button', class: 'link', onclick: async () => { await signOut(); go('/login'); } }, 'Sign out'));
}

route('/login', (root) => {
  const next = new URLSearchParams(location.hash.split('?')[1] || '').get('next') || '/';
  const err = h('p', { class: 'error', role: 'alert' });
  const email = h('input', { id: 'email', type: 'email', name: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h('form', { class: 'signin', 'aria-label': 'Sign in',
    onsubmit: async (ev) => {
      ev.preventDefault();
      button.disabled = true; err.textContent = '';
      try {
        await signIn(email.value, password.value);
        go(next.startsWith('/') && !next.startsWith('//') ? next : '/');
      } catch (e) {
        err.textContent = e.status === 401 ? 'Wrong email or password.'
          : e.status === 429 ? 'Too many attempts: wait a moment and try again.' : e.message;
      } finally { button.disabled = false; }
    } },
    h('h1', null, 'Sign in to Tally'),
    h('label', { for: 'email' }, 'Email'), email,
    h('label', { for: 'password' }, 'Password'), password,
    button, err);
  mount(root, form);
  email.focus();
}, { public: true });

route('/forbidden', (root) => {
  mount(root, h('section', { class: 'empty' },
    h('h1', null, 'Not available'),
    h('p', null, 'Your role does not give access to this screen.'),
    h('a', { href: '#/' }, 'Back to your projects')));
});

const frame = document.getElementById('app');
const head = h('div');
const main = h('main', { id: 'main' });
mount(frame, head, main);
onSession((u) => mount(head, header(u)));

resume().then(() => start(main));
