import { randomBytes } from 'node:crypto';
import vm from 'node:vm';
import { JSDOM } from 'jsdom';
import { callOrThrow, signUp } from './support/client';
import { injectFaults } from './support/fakeOpenAI';
import { uniquePool, waitForStatus } from './support/pools';
import { ProviderFixtures } from './support/providerFixtures';
import { closeTestClients, testStack } from './support/stack';

// The admin console is static files on Firebase Hosting. Here it runs in jsdom as Hosting serves
// it, against the real Auth and functions emulators: an admin signs in, sees a failed request,
// retries it and refreshes a discovery provider; a player is turned away.

let fixtures: ProviderFixtures;
const windows: JSDOM[] = [];
beforeAll(async () => {
  fixtures = await ProviderFixtures.start(testStack().discoveryFixturePort);
});
afterAll(async () => {
  for (const dom of windows) dom.window.close(); // stops the console's refresh timer
  await fixtures.close();
  await closeTestClients();
});

async function openConsole(): Promise<JSDOM> {
  const base = testStack().urls.hosting;
  const dom = await JSDOM.fromURL(`${base}/`, {
    runScripts: 'dangerously',
    resources: 'usable',
    pretendToBeVisual: true,
    // jsdom has no fetch; Node's, with URLs resolved against the page as a browser would.
    beforeParse(window) {
      (window as unknown as { fetch: typeof fetch }).fetch = (input, init) => fetch(new URL(String(input), base), init);
    },
  });
  windows.push(dom);
  await until(dom, () => input(dom, 'functions').value !== '', 'the console to read its settings');
  return dom;
}

const byId = (dom: JSDOM, id: string) => dom.window.document.getElementById(id)!;
const input = (dom: JSDOM, name: string) => dom.window.document.querySelector(`[name="${name}"]`) as HTMLInputElement;
const text = (dom: JSDOM, id: string) => byId(dom, id).textContent ?? '';

async function until(dom: JSDOM, done: () => boolean, what: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; page says: ${dom.window.document.body.textContent?.replace(/\s+/g, ' ')}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function signInThroughForm(dom: JSDOM, email: string, password: string) {
  input(dom, 'email').value = email;
  input(dom, 'password').value = password;
  (byId(dom, 'signin-form') as HTMLFormElement).requestSubmit();
}

test('Hosting serves the console as a classic script that names the admin callables', async () => {
  const base = testStack().urls.hosting;
  const source = await (await fetch(`${base}/console.js`)).text();
  expect(() => new vm.Script(source, { filename: 'console.js' })).not.toThrow();
  expect((await fetch(`${base}/console.css`)).status).toBe(200);
});

test('points itself at the emulators that sit beside the Hosting emulator', async () => {
  const dom = await openConsole();
  const { urls } = testStack();
  expect(input(dom, 'auth').value).toBe(`${urls.auth}/identitytoolkit.googleapis.com`);
  expect(input(dom, 'functions').value).toBe(urls.functions);
});

test('a player signs in but is shown the refusal, not the console', async () => {
  await signUp('console-player@example.com').catch(() => undefined); // exists after a rerun
  const dom = await openConsole();
  await signInThroughForm(dom, 'console-player@example.com', 'password-123');
  await until(dom, () => text(dom, 'signin-error') !== '', 'the sign-in error');
  expect(text(dom, 'signin-error')).toMatch(/^PERMISSION_DENIED/);
  expect(byId(dom, 'app').hidden).toBe(true);
});

test('a wrong password is reported by the Auth emulator', async () => {
  const dom = await openConsole();
  await signInThroughForm(dom, 'admin@example.com', 'not-the-password');
  await until(dom, () => text(dom, 'signin-error') !== '', 'the sign-in error');
  expect(text(dom, 'signin-error')).toMatch(/INVALID_PASSWORD|INVALID_LOGIN_CREDENTIALS/);
  expect(byId(dom, 'app').hidden).toBe(true);
});

test('an admin sees a failed request among the latest errors, retries it, and refreshes a provider', async () => {
  // A request the model refuses: failed at once, with its error in generationStats.
  const player = await signUp();
  const theme = `console ${randomBytes(4).toString('hex')}`;
  await injectFaults(theme, [{ kind: 'refusal' }]);
  const accepted = await callOrThrow<{ requestKey: string }>('requestGeneration', { pool: uniquePool({ subject: 'cinema', theme }), targetCount: 4 }, player);
  expect((await waitForStatus(accepted.requestKey)).status).toBe('failed');

  const dom = await openConsole();
  await signInThroughForm(dom, 'admin@example.com', 'admin-password');
  await until(dom, () => !byId(dom, 'app').hidden, 'the console to open');
  expect(text(dom, 'who')).toBe('admin@example.com');
  const cards = [...byId(dom, 'gen-cards').querySelectorAll('.card')].map((card) => card.textContent);
  for (const label of ['pending', 'running', 'done', 'failed', 'success 24 h', 'tokens today']) expect(cards.some((c) => c?.endsWith(label))).toBe(true);
  expect(cards.find((c) => c?.endsWith('failed'))).toMatch(/^[1-9]\d*failed$/);
  const errorRows = [...byId(dom, 'gen-errors').querySelectorAll('tr')].map((tr) => tr.textContent ?? '');
  expect(errorRows.find((r) => r.includes(accepted.requestKey.slice(0, 12)))).toMatch(/model refused/);

  // Retry: the refusal was used up, the model answers this time.
  input(dom, 'requestKey').value = accepted.requestKey;
  (byId(dom, 'retry-form') as HTMLFormElement).requestSubmit();
  await until(dom, () => text(dom, 'retry-result') !== '', 'the retry result');
  expect(text(dom, 'retry-result')).toBe('requeued');
  expect((await waitForStatus(accepted.requestKey, ['done'])).status).toBe('done');

  // Refresh now: the provider's lists land in the cache table.
  (dom.window.document.querySelector('[name="provider"]') as HTMLSelectElement).value = 'deezer';
  (byId(dom, 'refresh-form') as HTMLFormElement).requestSubmit();
  await until(dom, () => text(dom, 'refresh-result').startsWith('{'), 'the refresh result');
  expect(JSON.parse(text(dom, 'refresh-result'))).toMatchObject({ refreshed: expect.any(Number), failed: 0 });
  expect(JSON.parse(text(dom, 'refresh-result')).refreshed).toBeGreaterThan(0);
  expect(fixtures.count('deezer')).toBeGreaterThan(0);
  await until(dom, () => byId(dom, 'disc-rows').textContent!.includes('deezer'), 'the discovery table');
}, 120_000);
