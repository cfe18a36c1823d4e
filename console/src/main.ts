// Admin console: sign-in, roles and a hash router; each view lives in views/ and owns its listeners.
import './locale';
import { onAuthStateChanged, signInWithEmailAndPassword, signOut, type User } from 'firebase/auth';
import { $, errorText, h, fill } from './dom';
import { connect } from './firebase';
import type { View, ViewContext } from './views/types';
import { auditView } from './views/audit';
import { batchesView } from './views/batches';
import { discoveryView } from './views/discovery';
import { overviewView } from './views/overview';
import { poolsView } from './views/pools';
import { queueView } from './views/queue';
import { requestsView } from './views/requests';
import { reviewView } from './views/review';

const VIEWS: Record<string, View> = {
  overview: overviewView,
  requests: requestsView,
  pools: poolsView,
  review: reviewView,
  batches: batchesView,
  queue: queueView,
  discovery: discoveryView,
  audit: auditView,
};

let session: { user: User; role: 'admin' | 'viewer' } | undefined;
let cleanup: (() => void) | undefined;
let renderSeq = 0;

/** `#/requests/abc?status=failed` → view "requests", path ["abc"], query status=failed. */
function parseHash(): { view: string; path: string[]; query: URLSearchParams } {
  const raw = location.hash.replace(/^#\/?/, '');
  const [pathPart = '', queryPart = ''] = raw.split('?');
  const [view = 'overview', ...path] = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  return { view: VIEWS[view] ? view : 'overview', path, query: new URLSearchParams(queryPart) };
}

async function render(): Promise<void> {
  if (!session) return;
  const seq = ++renderSeq;
  const hash = location.hash;
  cleanup?.();
  cleanup = undefined;
  const { view, path, query } = parseHash();
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a')) a.classList.toggle('active', a.dataset.view === view);
  const root = $('view');
  fill(root, h('p', { class: 'muted' }, 'Loading…'));
  root.dataset.view = view;
  root.dataset.ready = 'false';
  const services = await connect();
  const context: ViewContext = {
    root,
    path,
    query,
    role: session.role,
    canAct: session.role === 'admin',
    email: session.user.email ?? session.user.uid,
    services,
    navigate: (hash) => { location.hash = hash; },
    isCurrent: () => seq === renderSeq,
  };
  try {
    const dispose = await VIEWS[view]!(context);
    if (seq !== renderSeq) {
      dispose?.();
      return;
    }
    cleanup = dispose ?? undefined;
    document.title = `${view[0]!.toUpperCase()}${view.slice(1)} — question factory`;
  } catch (error) {
    if (seq === renderSeq) fill(root, h('p', { class: 'error', role: 'alert' }, errorText(error)));
  } finally {
    if (seq === renderSeq) {
      root.dataset.ready = 'true';
      // Tests (and the bench) wait for the view drawn for the URL they are on, not the previous one.
      root.dataset.readyFor = hash;
    }
  }
}

function showSignIn(message = ''): void {
  cleanup?.();
  cleanup = undefined;
  session = undefined;
  $('loading').hidden = true;
  $('signin').hidden = false;
  $('view').hidden = true;
  $('nav').hidden = true;
  $('signout').hidden = true;
  $('who').textContent = '';
  $('signin-error').textContent = message;
}

async function main(): Promise<void> {
  const { auth } = await connect();
  $('signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    $('signin-error').textContent = '';
    try {
      await signInWithEmailAndPassword(auth, String(form.get('email')), String(form.get('password')));
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      $('signin-error').textContent = /invalid-credential|wrong-password|user-not-found|invalid-login/.test(code)
        ? `Wrong email or password (${code}).`
        : errorText(error);
    }
  });
  $('signout').addEventListener('click', () => { void signOut(auth); });
  window.addEventListener('hashchange', () => { void render(); });

  // The SDK keeps the session, refreshes the ID token before it expires, and calls back on sign-out.
  onAuthStateChanged(auth, async (user) => {
    if (!user) {
      if (session) showSignIn();
      else if ($('signin').hidden) showSignIn($('signin-error').textContent ?? '');
      return;
    }
    const { claims } = await user.getIdTokenResult();
    const role = claims.admin === true ? 'admin' : claims.viewer === true ? 'viewer' : undefined;
    if (!role) {
      showSignIn(`${user.email ?? user.uid} has neither the admin nor the viewer role: access refused.`);
      await signOut(auth);
      return;
    }
    session = { user, role };
    $('loading').hidden = true;
    $('signin').hidden = true;
    $('view').hidden = false;
    $('nav').hidden = false;
    $('signout').hidden = false;
    $('who').textContent = `${user.email ?? user.uid} (${role})`;
    document.body.dataset.role = role;
    await render();
  });
}

void main();
