/// <reference lib="dom" />
// Page functions (evaluate, waitForFunction) run in the browser: DOM types for them.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { callOrThrow, signIn, signUp, type SignedIn } from './support/client';
import { ARTIFACTS, clearScreenshots, closeBrowser, openConsole, screenshot, signInAs, viewReady } from './support/browser';
import { injectFaults, setQuality, truthsOf } from './support/fakeOpenAI';
import { poolItemSnapshots, uniquePool, waitForAttemptRows, waitForStatus } from './support/pools';
import { ProviderFixtures } from './support/providerFixtures';
import { closeTestClients, testDb, testFirestore, testStack } from './support/stack';
import { QUESTION_STATS, statId } from '../src/games/questionStats';

// The admin console in a real headless Chromium, served by the Hosting emulator from the esbuild
// bundle, talking to the emulators through the Firebase JS SDK (Auth, callables, Firestore listeners).

type Accepted = { requestKey: string; poolKey: string; status: string };

let player: SignedIn;
let fixtures: ProviderFixtures;
const pages: Page[] = [];
const startedAt = Date.now();
beforeAll(async () => {
  // Screenshots of an earlier run must not stand in for this one's.
  clearScreenshots();
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
  const accepted: Accepted[] = [];
  for (let i = 0; i < count; i++) {
    // One pool each: requests for one pool now share its generation (issue 17 §4).
    const request = await callOrThrow<Accepted>('requestGeneration', { pool: uniquePool({ subject: 'cinema', theme }), targetCount: 3 + i }, player);
    expect((await waitForStatus(request.requestKey, ['failed'])).status).toBe('failed');
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
  });

  test('charts draw the hourly runs by outcome, tokens against the budget, run times, cache hits and the queue', async () => {
    await failedRequests(1);
    const done = await callOrThrow<Accepted>('requestGeneration', { pool: uniquePool({ theme: 'flags' }), targetCount: 3 }, player);
    expect((await waitForStatus(done.requestKey, ['done'])).status).toBe('done');
    await waitForAttemptRows(done.requestKey);
    const page = await adminPage('#/overview');
    await viewReady(page, 'overview');
    const charts = await page.locator('#overview-charts figure[data-chart]').evaluateAll((figures) => figures.map((f) => f.getAttribute('data-chart')));
    expect(charts).toEqual(['runs', 'tokens', 'runtime', 'cache', 'queue']);
    const sums = async (id: string) => JSON.parse((await page.locator(`#chart-${id}`).getAttribute('data-sums'))!) as Record<string, number>;
    const runs = await sums('runs');
    expect(runs['failed']).toBeGreaterThanOrEqual(1);
    expect(runs['done']).toBeGreaterThanOrEqual(1);
    expect(Number(await page.locator('#chart-runs').getAttribute('data-points'))).toBe(48);
    expect(Number(await page.locator('#chart-tokens').getAttribute('data-points'))).toBe(14);
    expect((await sums('tokens'))['budget']).toBeGreaterThan(0);
    // uPlot drew them: the runs canvas holds pixels of the failed series' colour (#b00020). The canvas
    // is transparent, so the edges of a thin, shallow line keep that colour at a lower alpha: count them.
    const failedPixels = await page.locator('#chart-runs canvas').evaluate((canvas: HTMLCanvasElement) => {
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i]! - 0xb0) < 24 && data[i + 1]! < 40 && Math.abs(data[i + 2]! - 0x20) < 30 && data[i + 3]! > 40) n++;
      return n;
    });
    expect(failedPixels).toBeGreaterThan(10);
    await screenshot(page, 'overview');
  }, 120_000);
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
  test('an admin reads a pool by state with its answer statistics, removes a question and no draw deals it afterwards', async () => {
    const pool = uniquePool({ theme: 'capitals' });
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 6 }, player);
    expect((await waitForStatus(accepted.requestKey, ['done'])).status).toBe('done');
    // Two questions have been played (the shards finished games write): 40 answers, 30 right; 10, 2 right.
    const items = (await poolItemSnapshots(accepted.poolKey)).map((d) => d.id).sort();
    const played = [[items[0]!, 40, 30], [items[1]!, 10, 2]] as const;
    for (const [id, answered, correct] of played) {
      await testFirestore().collection(QUESTION_STATS).doc(statId(accepted.poolKey, id)).collection('shards').doc('3')
        .set({ dealt: answered, answered, correct, timeMsSum: answered * 4_000, choices: {} });
    }

    const page = await adminPage(`#/pools?prefix=${encodeURIComponent(accepted.poolKey)}`);
    await viewReady(page, 'pools');
    await page.waitForSelector(`#pool-table a[href="#/pools/${encodeURIComponent(accepted.poolKey)}"]`);
    // Rejections by reason over the pool's requests (the facts generator's: none, or duplicates).
    expect(await text(page, `#pool-table [data-rejected="${accepted.poolKey}"]`)).toMatch(/^(none|[a-z-]+ \d+( · [a-z-]+ \d+)*)$/);
    await screenshot(page, 'pools');
    await page.click(`#pool-table a[href="#/pools/${encodeURIComponent(accepted.poolKey)}"]`);
    await viewReady(page, 'pools');
    const cardValue = async (label: string) => text(page, `#pool-states [data-card="${label}"] b`);
    expect([await cardValue('active'), await cardValue('flagged'), await cardValue('removed')]).toEqual(['6', '0', '0']);
    expect([await cardValue('answered questions'), await cardValue('answers'), await cardValue('correct'), await cardValue('mean answer time')]).toEqual(['2', '50', '64.0 %', '4000 ms']);
    // Correct rates 75 % and 20 %: one question in the 70–80 bucket, one in 20–30, drawn by uPlot.
    expect(JSON.parse((await page.locator('#chart-correct-rate').getAttribute('data-sums'))!)).toEqual({ questions: 2 });
    expect(await page.locator('#chart-correct-rate canvas').count()).toBe(1);
    expect(await text(page, `#question-table [data-answers="40"]`)).toMatch(/^40 · 75\.0 % correct/);
    const removeButton = page.locator('#question-table button[data-set-state="removed"]').first();
    const questionId = (await removeButton.getAttribute('data-question'))!;
    await removeButton.click();
    await page.waitForSelector(`#question-table button[data-question="${questionId}"][data-set-state="active"]`);
    expect(await page.locator('#question-table [data-state="removed"]').count()).toBe(1);
    expect([await cardValue('active'), await cardValue('removed')]).toEqual(['5', '1']);
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

describe('batches', () => {
  test('an admin pastes a plan, reads the dry run, starts it and watches the bar reach 100% without a reload', async () => {
    const name = `console batch ${randomBytes(4).toString('hex')}`;
    // Facts pools (served offline), each with a version no other test uses.
    const plan = { pools: [
      { pool: uniquePool({ theme: 'world', level: 'easy' }), targetCount: 4 },
      { pool: uniquePool({ theme: 'flags' }), targetCount: 4 },
      { pool: uniquePool({ theme: 'currencies', level: 'hard' }), targetCount: 3 },
      { pool: uniquePool({ theme: 'capitals', type: 'true_false' }), targetCount: 3 },
    ] };
    const page = await adminPage('#/batches');
    await viewReady(page, 'batches');
    await page.fill('#batch-form input[name=name]', name);
    await page.fill('#batch-form textarea[name=plan]', JSON.stringify(plan, null, 2));
    await page.click('#batch-dry-run');
    await page.waitForSelector('#dry-run-table');
    expect(await text(page, '#dry-run-summary')).toMatch(/^4 pools: 4 new, 0 already done, 0 in flight\. Mode sync\. Estimate: 0 model calls/);
    expect(await page.locator('#dry-run-table tbody tr').count()).toBe(4);
    expect(await page.locator('#dry-run-table [data-state="new"]').count()).toBe(4);
    // A dry run creates nothing.
    const { rows: none } = await testDb().query(`SELECT 1 FROM generation_batches WHERE name = $1`, [name]);
    expect(none).toHaveLength(0);

    await page.click('#batch-create');
    await page.waitForFunction(() => /^#\/batches\/[0-9a-f]{64}$/.test(location.hash));
    await viewReady(page, 'batches');
    const batchId = (await page.evaluate(() => location.hash)).split('/')[2]!;
    await page.waitForSelector('#batch-summary [data-status="created"]');
    expect(await page.locator('#batch-progress .pct').getAttribute('data-pct')).toBe('0');

    // Every percentage the bar shows, in order, recorded in the page as the head is redrawn.
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { __pcts: number[] }).__pcts = seen;
      const record = () => {
        const pct = document.querySelector('#batch-progress .pct')?.getAttribute('data-pct');
        if (pct !== null && pct !== undefined && Number(pct) !== seen.at(-1)) seen.push(Number(pct));
      };
      record();
      new MutationObserver(record).observe(document.querySelector('#batch-head')!, { childList: true, subtree: true });
    });
    const unchanged = await markPage(page);
    await page.click('#batch-start');
    await page.waitForSelector('#batch-progress [data-pct="100"]', { timeout: 60_000 });
    await page.waitForSelector('#batch-summary [data-status="done"]', { timeout: 30_000 });
    await unchanged();
    const pcts = await page.evaluate(() => (window as unknown as { __pcts: number[] }).__pcts);
    expect(pcts[0]).toBe(0);
    expect(pcts.at(-1)).toBe(100);
    for (let i = 1; i < pcts.length; i++) expect(pcts[i]).toBeGreaterThan(pcts[i - 1]!);
    expect(await text(page, '#batch-summary')).toContain('4 of 4 settled (4 done, 0 failed');
    expect(await page.locator('#batch-start').count()).toBe(0);
    expect(await page.locator('#batch-cancel').count()).toBe(0);
    // Per-pool outcomes, redrawn from getBatch as the mirror moves: every pool done with its questions.
    await page.waitForFunction(() => document.querySelectorAll('#batch-pools tbody [data-status="done"]').length === 4, undefined, { timeout: 30_000 });
    const outcomeRows = await page.locator('#batch-pools tbody tr').allInnerTexts();
    const { rows: links } = await testDb().query<{ request_key: string; pool_key: string; target_count: number }>(
      `SELECT request_key, pool_key, target_count FROM generation_batch_requests WHERE batch_id = $1 AND state = 'linked' ORDER BY position`, [batchId]);
    expect(links).toHaveLength(4);
    links.forEach((link, i) => {
      expect(outcomeRows[i]).toContain(link.pool_key);
      expect(Number(outcomeRows[i]!.split('\t')[4])).toBeGreaterThanOrEqual(link.target_count);
    });
    await unchanged();
    expect(await text(page, '#batch-rejected')).toMatch(/^Rejected by the gate, linter and verifier: (none|[a-z-]+ \d+)/);
    await screenshot(page, 'batches');

    // The Requests view, filtered by this batch, lists exactly its requests.
    await page.click(`a[href="#/requests?batchId=${batchId}"]`);
    await viewReady(page, 'requests');
    expect(await page.inputValue('#request-filters input[name=batchId]')).toBe(batchId);
    expect(await text(page, '#request-total')).toBe('4 matching');
    const listed = await page.locator('#request-table tbody a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    expect(listed.sort()).toEqual(links.map((l) => `#/requests/${l.request_key}`).sort());
    expect(await page.locator('#request-table tbody [data-status="done"]').count()).toBe(4);

    // The audit log shows the creation (not a dry run) and the start, by this admin.
    await page.evaluate(() => { location.hash = '#/audit?actor=admin%40example.com'; });
    await viewReady(page, 'audit');
    const audit = await page.locator('#audit-table tbody tr').allInnerTexts();
    expect(audit.some((r) => r.includes('createBatch') && r.includes(name) && r.includes('"dryRun":false'))).toBe(true);
    expect(audit.some((r) => r.includes('startBatch') && r.includes(batchId) && /\bok\b/.test(r))).toBe(true);
  }, 180_000);
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

describe('review', () => {
  test('the review view shows a held question with the verifier\'s answer; fixing its key takes it out of the queue and into the pool', async () => {
    const theme = `console review ${randomBytes(4).toString('hex')}`;
    await setQuality(theme, { wrongKey: 0.5 });
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool: uniquePool({ subject: 'cinema', theme }), targetCount: 10 }, player);
    expect((await waitForStatus(accepted.requestKey, ['done'], 120_000)).status).toBe('done');
    // Which held question has a wrong key (the verifier may dispute a right one too), and its truth.
    const admin = await signIn('admin@example.com', 'admin-password');
    type Entry = { item: { questionId: string }; question: { prompt: string; choices: string[]; answerIndex: number }; verifier: { answers: number[] } };
    const { entries } = await callOrThrow<{ entries: Entry[] }>('adminListReview', { poolKey: accepted.poolKey, reason: 'key-disputed', limit: 100 }, admin);
    const truths = new Map((await truthsOf(theme)).map((t) => [t.prompt, t]));
    const truthOf = (e: Entry) => e.question.choices.indexOf(truths.get(e.question.prompt.toLowerCase())!.correct[0]!);
    const target = entries.find((e) => truthOf(e) !== e.question.answerIndex)!;
    expect(target).toBeDefined();

    const page = await adminPage(`#/review?${new URLSearchParams({ reason: 'key-disputed', pool: accepted.poolKey })}`);
    await viewReady(page, 'review');
    const id = target.item.questionId;
    expect(await page.locator('#review-table [data-review-id]').count()).toBe(entries.length);
    expect(await text(page, `[data-review-id="${id}"]`)).toContain(target.question.prompt);
    // The key and the verifier's blind answer are marked on the choices.
    const row = page.locator('#review-table tbody tr', { has: page.locator(`[data-review-id="${id}"]`) });
    expect(await row.locator('li.correct').getAttribute('data-choice')).toBe(String(target.question.answerIndex));
    expect(await row.locator('li:has(.verifier)').count()).toBeGreaterThan(0);
    await screenshot(page, 'review');

    const unchanged = await markPage(page);
    await page.selectOption(`select[data-fix-select="${id}"]`, String(truthOf(target)));
    await page.click(`button[data-review-action="fix-key"][data-question="${id}"]`);
    await page.waitForFunction((qid) => {
      const main = document.querySelector<HTMLElement>('main#view')!;
      return location.hash.includes('t=') && main.dataset.ready === 'true' && main.dataset.readyFor === location.hash && !document.querySelector(`[data-review-id="${qid}"]`);
    }, id, { timeout: 30_000 });
    await unchanged();
    expect(await page.locator('#review-table [data-review-id]').count()).toBe(entries.length - 1);
    const stored = (await testFirestore().collection('question_pools').doc(accepted.poolKey).collection('items').doc(id).get()).data()!;
    expect(stored).toMatchObject({ answerIndex: truthOf(target), keyFixedFrom: target.question.answerIndex });
    const { rows } = await testDb().query(`SELECT action, outcome FROM admin_actions WHERE actor_uid = $1 AND target = $2`, [admin.uid, `${accepted.requestKey}/${id}`]);
    expect(rows).toEqual([{ action: 'review.fixKey', outcome: 'ok' }]);
  }, 180_000);
});

describe('viewer', () => {
  test('a viewer sees every view and no action', async () => {
    const [failed] = await failedRequests(1);
    const written = await callOrThrow<Accepted>('requestGeneration', { pool: uniquePool({ theme: 'capitals' }), targetCount: 3 }, player);
    expect((await waitForStatus(written.requestKey, ['done'])).status).toBe('done');
    const page = await open(`#/requests?pool=${encodeURIComponent(failed!.poolKey)}`);
    await signInAs(page, 'viewer@example.com', 'viewer-password');
    await page.waitForSelector('#who:has-text("(viewer)")');
    const hashes = [
      `#/requests?pool=${encodeURIComponent(failed!.poolKey)}`, `#/requests/${failed!.requestKey}`, `#/pools/${encodeURIComponent(written.poolKey)}`,
      '#/pools', '#/batches', '#/review', '#/queue', '#/discovery', '#/audit', '#/overview',
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

  test('every view left a screenshot, taken by this run', () => {
    for (const name of ['overview', 'requests', 'request-detail', 'pools', 'pool-detail', 'batches', 'review', 'queue', 'discovery', 'audit']) {
      const file = path.join(ARTIFACTS, `${name}.png`);
      expect({ name, exists: fs.existsSync(file) }).toEqual({ name, exists: true });
      const stat = fs.statSync(file);
      expect({ name, fresh: stat.mtimeMs >= startedAt }).toEqual({ name, fresh: true });
      // A PNG (its signature) of a drawn page, not an empty file.
      const bytes = fs.readFileSync(file);
      expect({ name, png: bytes.subarray(0, 8).toString('hex') }).toEqual({ name, png: '89504e470d0a1a0a' });
      expect({ name, big: bytes.length > 10_000 }).toEqual({ name, big: true });
    }
  });
});
