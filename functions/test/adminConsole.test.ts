/// <reference lib="dom" />
// Page functions (evaluate, waitForFunction) run in the browser: DOM types for them.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { callOrThrow, signIn, signUp, type SignedIn } from './support/client';
import { ARTIFACTS, closeBrowser, openConsole, screenshot, signInAs, viewReady } from './support/browser';
import { injectFaults } from './support/fakeOpenAI';
import { uniquePool, waitForAttemptRows, waitForStatus } from './support/pools';
import { ProviderFixtures } from './support/providerFixtures';
import { closeTestClients, testDb, testStack } from './support/stack';

// The admin console in a real headless Chromium, served by the Hosting emulator from the esbuild
// bundle, talking to the emulators through the Firebase JS SDK (Auth, callables, Firestore listeners).

type Accepted = { requestKey: string; poolKey: string; status: string };

let player: SignedIn;
let fixtures: ProviderFixtures;
const pages: Page[] = [];
beforeAll(async () => {
  player = await signUp();
  fixtures = await ProviderFixtures.start(testStack().discoveryFixturePort);
});
afterAll(async () => {
  await Promise.all(pages.map((page) => page.context().close().catch(() => undefined)));
  await closeBrowser();
  await fixtures.close();
  await closeTestClients();
});

async function open(hash = ''): Promise<Page> {
  const page = await openConsole(hash);
  pages.push(page);
  // confirm() and prompt() answer yes (with the default text): the tests play a decided admin.
  page.on('dialog', (dialog) => void dialog.accept());
  return page;
}

async function adminPage(hash = '#/overview'): Promise<Page> {
  const page = await open(hash);
  await signInAs(page, 'admin@example.com', 'admin-password');
  await page.waitForSelector('#who:has-text("(admin)")');
  return page;
}

/** A request the fake model refuses: failed at its first attempt; the refusal is used up, so a retry succeeds. */
async function failedRequests(count: number, theme = `console ${randomBytes(4).toString('hex')}`): Promise<Accepted[]> {
  await injectFaults(theme, Array.from({ length: count }, () => ({ kind: 'refusal' })));
  const pool = uniquePool({ subject: 'cinema', theme });
  const accepted: Accepted[] = [];
  for (let i = 0; i < count; i++) {
    const request = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 3 + i }, player);
    expect((await waitForStatus(request.requestKey)).status).toBe('failed');
    await waitForAttemptRows(request.requestKey);
    accepted.push(request);
  }
  return accepted;
}

const text = (page: Page, selector: string) => page.locator(selector).innerText();

/** Set before an action, checked after: the page was never reloaded. */
async function markPage(page: Page) {
  await page.evaluate(() => { (window as unknown as { __mark: number }).__mark = 42; });
  return async () => expect(await page.evaluate(() => (window as unknown as { __mark?: number }).__mark)).toBe(42);
}

describe('sign-in', () => {
  test('Hosting serves the bundle with the emulator ports of this stack beside it', async () => {
    const base = testStack().urls.hosting;
    const html = await (await fetch(`${base}/`)).text();
    expect(html).toMatch(/<script type="module" src="app.js"><\/script>/);
    expect(html).not.toMatch(/<script>|style=/); // no inline script or style (CSP 'self')
    expect((await fetch(`${base}/app.js`)).status).toBe(200);
    const emulators = (await (await fetch(`${base}/emulators.json`)).json()) as { functions: number; auth: number };
    expect(`http://127.0.0.1:${emulators.functions}`).toBe(new URL(testStack().urls.functions).origin);
    expect(`http://127.0.0.1:${emulators.auth}`).toBe(testStack().urls.auth);
  });

  test('a player and a wrong password are refused', async () => {
    const page = await open();
    await signInAs(page, 'player@example.com', 'player-password');
    await page.waitForSelector('#signin-error:has-text("neither the admin nor the viewer role")');
    expect(await page.locator('#view').isHidden()).toBe(true);

    await signInAs(page, 'admin@example.com', 'not-the-password');
    await page.waitForSelector('#signin-error:has-text("Wrong email or password")');
    expect(await page.locator('#view').isHidden()).toBe(true);
  });
});

describe('overview', () => {
  test('counts move live, from the Firestore mirror, without a reload', async () => {
    const page = await adminPage('#/overview');
    await viewReady(page, 'overview');
    await page.waitForSelector('#overview-cards [data-card="failed"]');
    const failedCount = async () => Number((await text(page, '#overview-cards [data-card="failed"] b')).replace(/,/g, ''));
    const before = await failedCount();
    const unchanged = await markPage(page);
    await failedRequests(1);
    await page.waitForFunction((n) => Number(document.querySelector('#overview-cards [data-card="failed"] b')!.textContent!.replace(/,/g, '')) > n, before, { timeout: 30_000 });
    expect(await failedCount()).toBeGreaterThan(before);
    await unchanged();
    for (const label of ['pending', 'running', 'done', 'success rate 24 h', 'p50 run', 'p95 run', 'tokens today', 'cost today', 'queue depth']) {
      expect(await page.locator(`#overview-cards [data-card="${label}"]`).count()).toBe(1);
    }
    await screenshot(page, 'overview');
  });
});

describe('requests', () => {
  test('an admin finds a failed request by its pool, reads its timeline, retries it and watches it reach done', async () => {
    const [failed] = await failedRequests(1);
    const theme = failed!.poolKey.split('|')[4]!;
    const page = await adminPage('#/requests');
    await viewReady(page, 'requests');
    await page.fill('#request-filters input[name=pool]', theme);
    await page.selectOption('#request-filters select[name=status]', 'failed');
    await page.click('#request-filters button[type=submit]');
    await page.waitForSelector(`#request-table a[href="#/requests/${failed!.requestKey}"]`);
    expect(page.url()).toContain(`pool=${encodeURIComponent(theme).replace(/%20/g, '+')}`);
    await screenshot(page, 'requests');

    await page.click(`#request-table a[href="#/requests/${failed!.requestKey}"]`);
    await viewReady(page, 'requests');
    await page.waitForSelector('#attempts-timeline');
    expect(await text(page, '#attempts-timeline')).toMatch(/failed[\s\S]*model refused/);
    expect(await text(page, '#request-status')).toBe('failed');
    const unchanged = await markPage(page);
    await page.click('#request-retry');
    await page.waitForSelector('#request-status [data-status="done"]', { timeout: 60_000 });
    await unchanged();
    expect(await text(page, '#request-result')).toMatch(/^[\d,]+ bytes, 3 questions/);
    // The second attempt joins the timeline, still without a reload.
    await page.waitForFunction(() => document.querySelectorAll('#attempts-timeline tbody tr').length === 2);
    expect(await text(page, '#attempts-timeline tbody tr:last-child')).toMatch(/done/);
    await unchanged();
    await screenshot(page, 'request-detail');
  }, 120_000);

  test('an admin retries every request matching a filter after a confirmation with their count', async () => {
    const failed = await failedRequests(2);
    const theme = failed[0]!.poolKey.split('|')[4]!;
    const page = await adminPage(`#/requests?pool=${encodeURIComponent(theme)}&status=failed`);
    await viewReady(page, 'requests');
    expect(await text(page, '#request-total')).toBe('2 matching');
    const confirmations: string[] = [];
    page.on('dialog', (dialog) => confirmations.push(dialog.message()));
    await page.click('#bulk-retry');
    await page.waitForSelector('#toast:has-text("retry: 2 of 2")');
    expect(confirmations).toEqual(['Retry all 2 requests matching this filter?']);
    for (const request of failed) expect((await waitForStatus(request.requestKey, ['done'])).status).toBe('done');
  }, 120_000);
});

describe('pools', () => {
  test('an admin removes a question and no draw deals it afterwards', async () => {
    const pool = uniquePool({ theme: 'capitals' });
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 6 }, player);
    expect((await waitForStatus(accepted.requestKey)).status).toBe('done');

    const page = await adminPage(`#/pools?prefix=${encodeURIComponent(accepted.poolKey)}`);
    await viewReady(page, 'pools');
    await page.waitForSelector(`#pool-table a[href="#/pools/${encodeURIComponent(accepted.poolKey)}"]`);
    await screenshot(page, 'pools');
    await page.click(`#pool-table a[href="#/pools/${encodeURIComponent(accepted.poolKey)}"]`);
    await viewReady(page, 'pools');
    const removeButton = page.locator('#question-table button[data-set-state="removed"]').first();
    const questionId = (await removeButton.getAttribute('data-question'))!;
    await removeButton.click();
    await page.waitForSelector(`#question-table button[data-question="${questionId}"][data-set-state="active"]`);
    expect(await page.locator('#question-table [data-state="removed"]').count()).toBe(1);
    await screenshot(page, 'pool-detail');

    const dealt = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const draw = await callOrThrow<{ questions: Array<{ id: string }> }>('drawQuestions', { pool, count: 6 }, player);
      for (const q of draw.questions) dealt.add(q.id);
    }
    expect(dealt.size).toBe(5);
    expect(dealt.has(questionId)).toBe(false);
  }, 120_000);
});

describe('queue, discovery, audit', () => {
  test('the queue view says what the emulator lacks and shows the Postgres view of the work', async () => {
    const page = await adminPage('#/queue');
    await viewReady(page, 'queue');
    expect(await text(page, '#queue-unavailable')).toMatch(/no queue administration/);
    expect(await page.locator('#work-cards [data-card="pending"]').count()).toBe(1);
    expect(await page.locator('#queue-pause').count()).toBe(0);
    await screenshot(page, 'queue');
  });

  test('an admin refreshes a provider now and opens the cached list', async () => {
    const page = await adminPage('#/discovery?provider=deezer');
    await viewReady(page, 'discovery');
    await page.click('#refresh-deezer');
    await page.waitForSelector('#toast:has-text("refreshed")', { timeout: 60_000 });
    expect(await text(page, '#toast')).toMatch(/refreshed [1-9]\d*, failed 0/);
    expect(fixtures.count('deezer')).toBeGreaterThan(0);
    await page.waitForSelector('#discovery-table a');
    await screenshot(page, 'discovery');
    await page.locator('#discovery-table a').first().click();
    await viewReady(page, 'discovery');
    await page.waitForSelector('#discovery-items');
    expect(await page.locator('#discovery-items tbody tr').count()).toBeGreaterThan(0);
    await screenshot(page, 'discovery-entry');
  }, 120_000);

  test('the audit log shows each action, newest first, filterable by action', async () => {
    const page = await adminPage('#/audit?actor=admin%40example.com');
    await viewReady(page, 'audit');
    const rows = await page.locator('#audit-table tbody tr').allInnerTexts();
    for (const action of ['retryRequests', 'setQuestionState', 'refreshDiscoveryNow']) expect(rows.some((r) => r.includes(action))).toBe(true);
    const admin = await signIn('admin@example.com', 'admin-password');
    const { rows: newest } = await testDb().query(`SELECT action FROM admin_actions WHERE actor_uid = $1 ORDER BY id DESC LIMIT 1`, [admin.uid]);
    expect(rows[0]).toContain(newest[0].action);
    await screenshot(page, 'audit');

    await page.fill('#audit-filters input[name=action]', 'setQuestionState');
    await page.click('#audit-filters button[type=submit]');
    await page.waitForFunction(() => location.hash.includes('action=setQuestionState'));
    await viewReady(page, 'audit');
    const filtered = await page.locator('#audit-table tbody tr').allInnerTexts();
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((r) => r.includes('setQuestionState'))).toBe(true);
  });
});

describe('viewer', () => {
  test('a viewer sees every view and no action', async () => {
    const [failed] = await failedRequests(1);
    const written = await callOrThrow<Accepted>('requestGeneration', { pool: uniquePool({ theme: 'capitals' }), targetCount: 3 }, player);
    expect((await waitForStatus(written.requestKey)).status).toBe('done');
    const page = await open(`#/requests?pool=${encodeURIComponent(failed!.poolKey)}`);
    await signInAs(page, 'viewer@example.com', 'viewer-password');
    await page.waitForSelector('#who:has-text("(viewer)")');
    const hashes = [
      `#/requests?pool=${encodeURIComponent(failed!.poolKey)}`, `#/requests/${failed!.requestKey}`, `#/pools/${encodeURIComponent(written.poolKey)}`,
      '#/pools', '#/queue', '#/discovery', '#/audit', '#/overview',
    ];
    for (const hash of hashes) {
      await page.evaluate((h) => { location.hash = h; }, hash);
      const view = hash.slice(2).split(/[/?]/)[0]!;
      await viewReady(page, view);
      expect({ hash, actions: await page.locator('button.action').count() }).toEqual({ hash, actions: 0 });
    }
    await page.evaluate((h) => { location.hash = h; }, `#/requests/${failed!.requestKey}`);
    await viewReady(page, 'requests');
    expect(await text(page, '#request-status')).toBe('failed');
  }, 120_000);

  test('every view left a screenshot', () => {
    for (const name of ['overview', 'requests', 'request-detail', 'pools', 'pool-detail', 'queue', 'discovery', 'audit']) {
      expect(fs.existsSync(path.join(ARTIFACTS, `${name}.png`))).toBe(true);
    }
  });
});
