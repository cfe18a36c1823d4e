// Admin console: plain browser JavaScript, no build step. Signs in with the Identity Toolkit REST
// API (the Auth emulator speaks it too) and calls the admin callables with the ID token.
'use strict';

const local = ['127.0.0.1', 'localhost'].includes(location.hostname);
const state = { idToken: null, settings: null };

async function defaults() {
  // Firebase Hosting serves the project's web config at this reserved URL.
  let config = {};
  try {
    config = await (await fetch('/__/firebase/init.json')).json();
  } catch {
    // emulator without web config
  }
  const projectId = config.projectId || 'demo-question-factory';
  const offset = Number(location.port) - 5000; // the emulators keep their relative ports
  return {
    auth: local ? `http://127.0.0.1:${9099 + offset}/identitytoolkit.googleapis.com` : 'https://identitytoolkit.googleapis.com',
    functions: local ? `http://127.0.0.1:${5001 + offset}/${projectId}/us-central1` : `https://us-central1-${projectId}.cloudfunctions.net`,
    apiKey: config.apiKey || 'demo-api-key',
  };
}

async function signIn(email, password, settings) {
  const response = await fetch(`${settings.auth}/v1/accounts:signInWithPassword?key=${encodeURIComponent(settings.apiKey)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, returnSecureToken: true }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error?.message || `sign-in failed (${response.status})`);
  return body.idToken;
}

async function call(name, data = {}) {
  const response = await fetch(`${state.settings.functions}/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${state.idToken}` },
    body: JSON.stringify({ data }),
  });
  const body = await response.json();
  if (body.error) throw new Error(`${body.error.status}: ${body.error.message}`);
  return body.result;
}

const el = (id) => document.getElementById(id);
const cell = (text, className) => {
  const td = document.createElement('td');
  td.textContent = text ?? '—';
  if (className) td.className = className;
  return td;
};
const row = (cells) => {
  const tr = document.createElement('tr');
  cells.forEach((c) => tr.appendChild(c));
  return tr;
};
const percent = (x) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);

async function refreshGeneration() {
  const stats = await call('generationStats');
  const cards = [
    ...Object.entries(stats.requestsByStatus).map(([status, n]) => [status, n]),
    ['success 24 h', percent(stats.last24h.successRate)],
    ['p50 run', stats.last24h.p50DurationMs === null ? '—' : `${stats.last24h.p50DurationMs} ms`],
    ['p95 run', stats.last24h.p95DurationMs === null ? '—' : `${stats.last24h.p95DurationMs} ms`],
    ['model calls 24 h', stats.last24h.modelCalls],
    ['tokens today', stats.tokensToday],
  ];
  el('gen-cards').replaceChildren(...cards.map(([label, value]) => {
    const div = document.createElement('div');
    div.className = 'card';
    const b = document.createElement('b');
    b.textContent = String(value);
    div.append(b, label);
    return div;
  }));
  el('gen-errors').replaceChildren(...stats.latestErrors.map((e) =>
    row([cell(new Date(e.at).toLocaleString()), cell(`${e.requestKey.slice(0, 12)}…`), cell(String(e.attempt)), cell(e.outcome), cell(e.error, 'error-text')])));
  el('gen-updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
}

async function refreshDiscovery() {
  const stats = await call('discoveryStats');
  el('disc-rows').replaceChildren(...stats.rows.map((r) =>
    row([cell(r.provider), cell(r.endpoint), cell(String(r.entries)), cell(String(r.fetches)), cell(String(r.refreshes)), cell(percent(r.hitRatio)), cell(new Date(r.oldestUpdate).toLocaleString()), cell(new Date(r.newestUpdate).toLocaleString())])));
}

async function refreshAll() {
  await Promise.allSettled([refreshGeneration(), refreshDiscovery()]);
}

async function main() {
  state.settings = await defaults();
  el('auth-url').value = state.settings.auth;
  el('functions-url').value = state.settings.functions;
  el('api-key').value = state.settings.apiKey;

  el('signin-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    state.settings = { auth: form.get('auth'), functions: form.get('functions'), apiKey: form.get('apiKey') };
    try {
      state.idToken = await signIn(form.get('email'), form.get('password'), state.settings);
      await refreshGeneration(); // proves the admin claim before showing anything
      el('who').textContent = form.get('email');
      el('signin').hidden = true;
      el('app').hidden = false;
      await refreshDiscovery().catch(() => undefined);
      setInterval(refreshAll, 10_000);
    } catch (error) {
      el('signin-error').textContent = error.message;
    }
  });

  el('retry-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const requestKey = new FormData(event.target).get('requestKey');
    try {
      const result = await call('retryRequest', { requestKey });
      el('retry-result').textContent = result.requeued ? 'requeued' : `left alone (${result.status})`;
      await refreshGeneration();
    } catch (error) {
      el('retry-result').textContent = error.message;
    }
  });

  el('refresh-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const provider = new FormData(event.target).get('provider');
    el('refresh-result').textContent = 'refreshing…';
    try {
      const result = await call('refreshDiscoveryNow', { provider });
      el('refresh-result').textContent = JSON.stringify({ refreshed: result.refreshed, failed: result.failed });
      await refreshDiscovery();
    } catch (error) {
      el('refresh-result').textContent = error.message;
    }
  });
}

main();
