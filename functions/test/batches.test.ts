import { randomBytes } from 'node:crypto';
import { callFunction, callOrThrow, signIn, signUp, type SignedIn } from './support/client';
import { injectFaults } from './support/fakeOpenAI';
import { poolItemSnapshots, uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testDb, testFirestore } from './support/stack';

type Issue = { position: number | null; field: string; rule: string };
type Created = {
  batchId: string; dryRun: boolean; name: string; mode: string; total: number; newPools: number; alreadyDone: number; inFlight: number;
  estimate: { modelCalls: number; tokensIn: number; tokensOut: number; costUsd: number; syncCostUsd: number };
  pools: Array<{ position: number; poolKey: string; targetCount: number; state: string }>;
  created?: boolean;
};
type Batch = {
  batchId: string; name: string; mode: string; status: string; total: number; pending: number; running: number; done: number; failed: number;
  cancelled: number; questionsWritten: number; tokensIn: number; tokensOut: number; cachedTokensIn: number; estimatedCostUsd: number;
  actualCostUsd: number; syncCostUsd: number; createdAt: string; startedAt: string | null; finishedAt: string | null; createdBy: string;
};
type BatchView = { batch: Batch; requests: Array<{ requestKey: string; poolKey: string; targetCount: number; status: string; questions: number; tokensIn: number; tokensOut: number; costUsd: number; lastError: string | null; cachedTokensIn: number; model: string | null }> };
type Accepted = { requestKey: string; poolKey: string; status: string; created: boolean };

let admin: SignedIn;
let player: SignedIn;
beforeAll(async () => {
  [admin, player] = await Promise.all([signIn('admin@example.com', 'admin-password'), signUp()]);
});
afterAll(closeTestClients);

const entry = (overrides: Record<string, unknown> = {}, targetCount = 3) => ({ pool: uniquePool(overrides), targetCount });

/** Resolves with every snapshot of generation_batches/{batchId} until `until` holds. */
function watchBatch(batchId: string, until: (doc: Batch & { seq: number }) => boolean, timeoutMs = 80_000): Promise<Array<Batch & { seq: number }>> {
  return new Promise((resolve, reject) => {
    const seen: Array<Batch & { seq: number }> = [];
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`batch ${batchId} never settled; last ${JSON.stringify(seen.at(-1))}`));
    }, timeoutMs);
    const unsubscribe = testFirestore().collection('generation_batches').doc(batchId).onSnapshot((snapshot) => {
      const data = snapshot.data() as (Batch & { seq: number }) | undefined;
      if (!data) return;
      seen.push(data);
      if (until(data)) {
        clearTimeout(timer);
        unsubscribe();
        resolve(seen);
      }
    }, reject);
  });
}

describe('createBatch: plan validation', () => {
  test('reports every bad entry with its position and rule, and creates nothing', async () => {
    const good = entry();
    const plan = [good, { pool: { ...uniquePool(), lang: 'xx' }, targetCount: 3 }, { ...entry(), colour: 'red' }, { pool: uniquePool(), targetCount: 0 }];
    const reply = await callFunction<Created>('createBatch', { plan, dryRun: false }, admin);
    expect(reply).toMatchObject({ ok: false, status: 'INVALID_ARGUMENT' });
    const issues = (reply as { details?: { issues: Issue[] } }).details?.issues ?? [];
    expect(issues).toEqual(expect.arrayContaining([
      expect.objectContaining({ position: 1, field: 'pool.lang' }),
      expect.objectContaining({ position: 2, field: 'entry', rule: expect.stringContaining('colour') }),
      expect.objectContaining({ position: 3, field: 'targetCount', rule: 'must be at least 1' }),
    ]));
    expect(issues.some((i) => i.position === 0)).toBe(false);
    expect((reply as { message: string }).message).toMatch(/#1 pool\.lang/);
    const rows = await testDb().query(
      `SELECT 1 FROM generation_batch_requests WHERE pool_key LIKE $1 UNION ALL SELECT 1 FROM generation_requests WHERE params @> $2::jsonb`,
      [`en|gb|medium|geography|world|mcq|v${good.pool.version}`, JSON.stringify({ version: good.pool.version, theme: 'world', country: 'GB' })],
    );
    expect(rows.rowCount).toBe(0);
  });

  test('a matrix expands in order and its bad values are reported at their expanded position', async () => {
    const version = uniquePool().version ?? 1;
    const matrix = { lang: ['en', 'fr'], country: ['GB'], level: ['easy', 'extreme'], subject: ['geography'], theme: ['world'], type: ['mcq'], version };
    const reply = await callFunction('createBatch', { plan: { matrix, targetCount: 2 } }, admin);
    const issues = (reply as { details?: { issues: Issue[] } }).details?.issues ?? [];
    // lang × level: (en, easy) 0, (en, extreme) 1, (fr, easy) 2, (fr, extreme) 3.
    expect(issues.map((i) => [i.position, i.field])).toEqual([[1, 'pool.level'], [3, 'pool.level']]);
    const ok = await callOrThrow<Created>('createBatch', { plan: { matrix: { ...matrix, level: ['easy', 'hard'] }, targetCount: 2 } }, admin);
    expect(ok.pools.map((p) => p.poolKey)).toEqual([
      `en|gb|easy|geography|world|mcq|v${version}`, `en|gb|hard|geography|world|mcq|v${version}`,
      `fr|gb|easy|geography|world|mcq|v${version}`, `fr|gb|hard|geography|world|mcq|v${version}`,
    ]);
    expect(ok).toMatchObject({ dryRun: true, total: 4, newPools: 4, mode: 'sync' });
    // Without a mode, plans of BATCH_API_MIN_POOLS (200) pools or more use the Batch API when a key is set.
    const big = { ...matrix, level: ['easy', 'medium', 'hard'], country: ['GB', 'US', 'FR', 'DE', 'ES', 'IT', 'CA', 'AU', 'IE', 'NZ'], type: ['mcq', 'true_false'], version: [1, 2, 3, 4] };
    const large = await callOrThrow<Created>('createBatch', { plan: { matrix: big, targetCount: 2 } }, admin);
    expect(large).toMatchObject({ total: 480, mode: 'batch' });
    expect(await callOrThrow<Created>('createBatch', { plan: { matrix: big, targetCount: 2 }, mode: 'sync' }, admin)).toMatchObject({ mode: 'sync' });
  });

  test('unknown fields, oversized plans, the token budget and non-admins are refused', async () => {
    expect(await callFunction('createBatch', { plan: [entry()], colour: 'red' }, admin)).toMatchObject({ ok: false, status: 'INVALID_ARGUMENT', message: expect.stringContaining('colour') });
    expect(await callFunction('createBatch', { plan: { pools: [entry()], extra: 1 } }, admin)).toMatchObject({ ok: false, status: 'INVALID_ARGUMENT', message: expect.stringContaining('extra') });
    const huge = { matrix: { lang: ['en', 'fr', 'es', 'de', 'it'], country: ['GB', 'FR', 'ES', 'DE', 'IT', 'US', 'CA', 'BE', 'CH', 'NL'], level: ['easy', 'medium', 'hard'], subject: ['geography', 'history', 'science', 'art', 'music', 'tv', 'anime', 'sports', 'cinema', 'literature'], theme: ['a', 'b', 'c', 'd'], type: ['mcq', 'true_false'] }, targetCount: 5 };
    const oversized = await callFunction('createBatch', { plan: huge }, admin);
    expect(oversized).toMatchObject({ ok: false, status: 'INVALID_ARGUMENT', message: expect.stringMatching(/12000 pools; at most 5000/) });
    // 90 OpenAI pools × 500 questions ≈ 5 M output tokens at the estimate; the test stack's budget is 5 M a day.
    const theme = `budget ${randomBytes(3).toString('hex')}`;
    const expensive = { matrix: { lang: ['en', 'fr', 'es'], country: ['GB', 'FR', 'US'], level: ['easy', 'medium', 'hard'], subject: ['cinema', 'music', 'tv', 'anime', 'art'], theme: [theme], type: ['mcq', 'true_false'] }, targetCount: 500 };
    const dry = await callOrThrow<Created & { estimate: { budgetLeftTokens: number } }>('createBatch', { plan: expensive }, admin);
    expect(dry.estimate.tokensIn + dry.estimate.tokensOut).toBeGreaterThan(dry.estimate.budgetLeftTokens);
    const refused = await callFunction('createBatch', { plan: expensive, dryRun: false }, admin);
    expect(refused).toMatchObject({ ok: false, status: 'INVALID_ARGUMENT', message: expect.stringMatching(/global budget/) });
    expect((await testDb().query('SELECT 1 FROM generation_batches WHERE batch_id = $1', [dry.batchId])).rowCount).toBe(0);
    expect(await callFunction('createBatch', { plan: [entry()] }, player)).toMatchObject({ ok: false, status: 'PERMISSION_DENIED' });
    expect(await callFunction('listBatches', {}, player)).toMatchObject({ ok: false, status: 'PERMISSION_DENIED' });
    // Viewers read, never act.
    const viewer = await signIn('viewer@example.com', 'viewer-password');
    expect(await callFunction('createBatch', { plan: [entry()] }, viewer)).toMatchObject({ ok: false, status: 'PERMISSION_DENIED' });
    expect(await callFunction('startBatch', { batchId: 'a'.repeat(64) }, viewer)).toMatchObject({ ok: false, status: 'PERMISSION_DENIED' });
    expect(await callFunction('listBatches', { limit: 1 }, viewer)).toMatchObject({ ok: true });
    expect(await callFunction('getBatch', { batchId: 'nope' }, admin)).toMatchObject({ ok: false, status: 'INVALID_ARGUMENT' });
    expect(await callFunction('getBatch', { batchId: 'a'.repeat(64) }, admin)).toMatchObject({ ok: false, status: 'NOT_FOUND' });
  });
});

describe('createBatch: dry run and idempotence', () => {
  test('a dry run counts new, done, in-flight and failed pools against existing work, and estimates only new model work', async () => {
    const doneEntry = entry();
    const done = await callOrThrow<Accepted>('requestGeneration', doneEntry, player);
    await waitForStatus(done.requestKey, ['done']);
    const failTheme = `dryfail ${randomBytes(3).toString('hex')}`;
    await injectFaults(failTheme, [{ kind: 'refusal' }]);
    const failedEntry = entry({ subject: 'cinema', theme: failTheme });
    const failed = await callOrThrow<Accepted>('requestGeneration', failedEntry, player);
    await waitForStatus(failed.requestKey, ['failed']);
    const slowTheme = `dryslow ${randomBytes(3).toString('hex')}`;
    await injectFaults(slowTheme, [{ kind: 'status', status: 429, retryAfter: 120 }]);
    const slowEntry = entry({ subject: 'cinema', theme: slowTheme });
    const slow = await callOrThrow<Accepted>('requestGeneration', slowEntry, player);
    const newFacts = entry();
    const newModel = entry({ subject: 'history', theme: `drynew ${randomBytes(3).toString('hex')}` }, 25);

    const reply = await callOrThrow<Created>('createBatch', { plan: [doneEntry, failedEntry, slowEntry, newFacts, newModel], name: 'dry' }, admin);
    expect(reply).toMatchObject({ dryRun: true, name: 'dry', mode: 'sync', total: 5, newPools: 3, alreadyDone: 1, inFlight: 1 });
    expect(reply.pools.map((p) => p.state)).toEqual(['done', 'failed', 'in-flight', 'new', 'new']);
    expect(reply.pools.find((p) => p.position === 2)?.poolKey).toBe(slow.poolKey);
    // Model work: the failed cinema pool (3 → 1 call) and the new history pool (25 → 3 calls of 10); facts pools are free.
    expect(reply.estimate.modelCalls).toBe(4);
    expect(reply.estimate.tokensOut).toBeGreaterThan(0);
    expect(reply.estimate.costUsd).toBeGreaterThan(0);
    expect(reply.estimate.costUsd).toBeCloseTo(reply.estimate.syncCostUsd, 9);
    expect((await testDb().query('SELECT 1 FROM generation_batches WHERE batch_id = $1', [reply.batchId])).rowCount).toBe(0);
  });

  test('the same plan twice (in any order) is one batch', async () => {
    const plan = [entry(), entry(), entry()];
    const first = await callOrThrow<Created>('createBatch', { plan, dryRun: false, name: 'twice' }, admin);
    const second = await callOrThrow<Created>('createBatch', { plan: [plan[2], plan[0], plan[1], plan[0]], dryRun: false, name: 'again' }, admin);
    expect(first).toMatchObject({ created: true, dryRun: false, total: 3 });
    expect(second).toMatchObject({ batchId: first.batchId, created: false, name: 'twice', total: 3 });
    const rows = await testDb().query('SELECT count(*)::int AS n FROM generation_batch_requests WHERE batch_id = $1', [first.batchId]);
    expect(rows.rows[0].n).toBe(3);
    const view = await callOrThrow<BatchView>('getBatch', { batchId: first.batchId }, admin);
    expect(view.batch).toMatchObject({ status: 'created', total: 3, pending: 3, done: 0, startedAt: null, createdBy: 'admin@example.com' });
    const other = await callOrThrow<Created>('createBatch', { plan: [entry()], dryRun: false }, admin);
    const listed = await callOrThrow<{ batches: Batch[]; next?: string }>('listBatches', { limit: 1 }, admin);
    expect(listed.batches[0]!.batchId).toBe(other.batchId);
    expect(listed.batches).toHaveLength(1);
    expect(typeof listed.next).toBe('string');
    const page2 = await callOrThrow<{ batches: Batch[] }>('listBatches', { limit: 1, before: listed.next }, admin);
    expect(page2.batches[0]!.createdAt <= listed.batches[0]!.createdAt).toBe(true);
    expect(page2.batches[0]!.batchId).not.toBe(listed.batches[0]!.batchId);
  });
});

describe('startBatch (sync mode)', () => {
  test('30 pools reach done, with a live progress stream that never goes backwards', async () => {
    const plan = Array.from({ length: 30 }, () => entry({}, 4));
    const created = await callOrThrow<Created>('createBatch', { plan, dryRun: false, name: 'thirty' }, admin);
    const stream = watchBatch(created.batchId, (doc) => doc.status === 'done' || doc.status === 'failed');
    const started = await callOrThrow<Batch>('startBatch', { batchId: created.batchId }, admin);
    expect(started).toMatchObject({ batchId: created.batchId, total: 30 });
    expect(['running', 'done']).toContain(started.status);
    const seen = await stream;
    const final = seen.at(-1)!;
    expect(final).toMatchObject({ status: 'done', total: 30, done: 30, failed: 0, pending: 0, running: 0 });
    // A pool another file already filled needs fewer new questions: count what was written, not the target.
    expect(final.questionsWritten).toBeGreaterThan(0);
    expect(final.finishedAt).not.toBeNull();
    // Live: the listener saw intermediate states, and nothing ever moved back.
    expect(seen.length).toBeGreaterThan(2);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.seq).toBeGreaterThan(seen[i - 1]!.seq);
      expect(seen[i]!.done).toBeGreaterThanOrEqual(seen[i - 1]!.done);
      expect(seen[i]!.done + seen[i]!.failed + seen[i]!.cancelled).toBeGreaterThanOrEqual(seen[i - 1]!.done + seen[i - 1]!.failed + seen[i - 1]!.cancelled);
    }
    const view = await callOrThrow<BatchView>('getBatch', { batchId: created.batchId }, admin);
    expect(view.batch).toMatchObject({ status: 'done', done: 30, questionsWritten: final.questionsWritten });
    expect(view.requests.every((r) => r.status === 'done')).toBe(true);
    expect(view.requests.reduce((n, r) => n + r.questions, 0)).toBe(final.questionsWritten);
    const sizes = await Promise.all(created.pools.map(async (p) => (await poolItemSnapshots(p.poolKey)).length));
    expect(sizes.every((n) => n >= 4)).toBe(true);
    // Starting again changes nothing and counts nothing twice.
    const again = await callOrThrow<Batch>('startBatch', { batchId: created.batchId }, admin);
    expect(again).toMatchObject({ status: 'done', done: 30, questionsWritten: final.questionsWritten });
  });

  test('joining existing work is free and counted at its current state', async () => {
    const shared = entry();
    const mine = await callOrThrow<Accepted>('requestGeneration', shared, player);
    await waitForStatus(mine.requestKey, ['done']);
    const created = await callOrThrow<Created>('createBatch', { plan: [shared, entry()], dryRun: false }, admin);
    expect(created).toMatchObject({ alreadyDone: 1, newPools: 1 });
    await callOrThrow<Batch>('startBatch', { batchId: created.batchId }, admin);
    const seen = await watchBatch(created.batchId, (doc) => doc.status === 'done');
    expect(seen.at(-1)).toMatchObject({ done: 2, total: 2 });
    const rows = await testDb().query('SELECT count(*)::int AS n, max(enqueue_count) AS e FROM generation_requests WHERE request_key = $1', [mine.requestKey]);
    expect(rows.rows[0]).toEqual({ n: 1, e: 1 });
  });
});

describe('cost visibility', () => {
  test('a batch of model pools records tokens, cached prompt tokens and cost per request and in total', async () => {
    const theme = `cost ${randomBytes(3).toString('hex')}`;
    // 12 questions at 10 per call: two calls per pool, the later ones find the system prompt cached.
    const plan = [entry({ subject: 'cinema', theme }, 12), entry({ subject: 'music', theme }, 12)];
    const created = await callOrThrow<Created>('createBatch', { plan, dryRun: false }, admin);
    expect(created.estimate.modelCalls).toBe(4);
    await callOrThrow<Batch>('startBatch', { batchId: created.batchId }, admin);
    await watchBatch(created.batchId, (doc) => doc.status === 'done' || doc.status === 'failed');
    const { batch, requests } = await callOrThrow<BatchView>('getBatch', { batchId: created.batchId }, admin);
    expect(batch.status).toBe('done');
    const sum = (f: (r: (typeof requests)[number]) => number) => requests.reduce((n, r) => n + f(r), 0);
    expect(batch.tokensIn).toBe(sum((r) => r.tokensIn));
    expect(batch.tokensOut).toBe(sum((r) => r.tokensOut));
    expect(batch.cachedTokensIn).toBe(sum((r) => r.cachedTokensIn));
    expect(batch.cachedTokensIn).toBeGreaterThan(0);
    expect(batch.cachedTokensIn).toBeLessThan(batch.tokensIn);
    // MODEL_PRICES' "default" entry prices the test stack's fake model: 0.15 / 0.075 / 0.60 USD per million.
    const price = (tin: number, cached: number, tout: number) => ((tin - cached) * 0.15 + cached * 0.075 + tout * 0.6) / 1e6;
    for (const r of requests) {
      expect(r.model).toBe('fake-model');
      // Costs are rounded to a millionth of a dollar.
      expect(Math.abs(r.costUsd - price(r.tokensIn, r.cachedTokensIn, r.tokensOut))).toBeLessThanOrEqual(0.5e-6 + 1e-12);
    }
    expect(Math.abs(batch.actualCostUsd - price(batch.tokensIn, batch.cachedTokensIn, batch.tokensOut))).toBeLessThanOrEqual(0.5e-6 + 1e-12);
    expect(batch.syncCostUsd).toBe(batch.actualCostUsd);
    const rows = await testDb().query('SELECT sum(cached_tokens_in)::int AS c FROM generation_requests WHERE request_key = ANY($1)', [requests.map((r) => r.requestKey)]);
    expect(rows.rows[0].c).toBe(batch.cachedTokensIn);
  });
});

describe('cancelBatch', () => {
  test('cancels pending work nobody else wants, keeps shared work, lets running work finish, and never reports done early', async () => {
    const tag = randomBytes(3).toString('hex');
    // Each pool has its own theme so each gets its own fault: a 429 with a long Retry-After keeps a
    // request pending; a slow answer keeps one running while the batch is cancelled.
    const pendingThemes = [0, 1, 2].map((i) => `cancel ${tag} pending ${i}`);
    const runningTheme = `cancel ${tag} running`;
    for (const theme of pendingThemes) await injectFaults(theme, [{ kind: 'status', status: 429, retryAfter: 300 }]);
    await injectFaults(runningTheme, [{ kind: 'delay', ms: 3_000 }]);
    const plan = [...pendingThemes.map((theme) => entry({ subject: 'cinema', theme })), entry({ subject: 'cinema', theme: runningTheme })];
    const created = await callOrThrow<Created>('createBatch', { plan, dryRun: false }, admin);
    await callOrThrow<Batch>('startBatch', { batchId: created.batchId }, admin);
    // A player also wants the first pending pool: it must survive the cancel.
    const shared = await callOrThrow<Accepted>('requestGeneration', plan[0], player);
    const keys = created.pools.map((p) => p.poolKey);
    const statusOf = async (poolKey: string) => (await testDb().query('SELECT status, not_before FROM generation_requests WHERE pool_key = $1', [poolKey])).rows[0];
    // Wait until the three are deferred (pending with a not_before) and the slow one is running.
    let ready = false;
    for (let i = 0; i < 150 && !ready; i++) {
      const states = await Promise.all(keys.map(statusOf));
      ready = states.slice(0, 3).every((s) => s.status === 'pending' && s.not_before) && states[3].status === 'running';
      if (!ready) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(ready).toBe(true);
    const cancelled = await callOrThrow<Batch>('cancelBatch', { batchId: created.batchId }, admin);
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelled: 2, failed: 0, finishedAt: null });
    // The slow one was running: it is never cancelled (on a loaded machine it may already be done).
    expect(cancelled.running + cancelled.done).toBe(1);
    const audit = await testDb().query(`SELECT action, outcome, actor_email FROM admin_actions WHERE target = $1 ORDER BY id`, [created.batchId]);
    expect(audit.rows).toEqual([
      { action: 'startBatch', outcome: 'ok', actor_email: 'admin@example.com' },
      { action: 'cancelBatch', outcome: 'ok', actor_email: 'admin@example.com' },
    ]);
    expect(cancelled.pending).toBe(1);
    expect((await statusOf(keys[0]!)).status).toBe('pending');
    expect((await statusOf(keys[1]!)).status).toBe('cancelled');
    expect((await statusOf(keys[2]!)).status).toBe('cancelled');
    expect((await waitForStatus(shared.requestKey, ['pending'])).status).toBe('pending');
    // The running request finishes and is counted; the batch stays cancelled and not finished
    // while the shared request is still pending.
    const seen = await watchBatch(created.batchId, (doc) => doc.done === 1);
    expect(seen.at(-1)).toMatchObject({ status: 'cancelled', done: 1, cancelled: 2, pending: 1, finishedAt: null });
    const view = await callOrThrow<BatchView>('getBatch', { batchId: created.batchId }, admin);
    expect(view.requests.map((r) => r.status)).toEqual(['pending', 'cancelled', 'cancelled', 'done']);
    // Cancelling again or starting a cancelled batch changes nothing.
    expect(await callOrThrow<Batch>('cancelBatch', { batchId: created.batchId }, admin)).toMatchObject({ status: 'cancelled', cancelled: 2 });
    expect(await callOrThrow<Batch>('startBatch', { batchId: created.batchId }, admin)).toMatchObject({ status: 'cancelled', cancelled: 2 });
    // Someone asking for cancelled work later reopens it at once.
    const reopened = await callOrThrow<Accepted>('requestGeneration', plan[1], player);
    expect(reopened.status).toBe('pending');
    await testDb().query(`UPDATE generation_requests SET not_before = NULL WHERE pool_key = ANY($1)`, [keys]);
  });

  test('cancelling a batch that never started drops every pool and finishes it', async () => {
    const created = await callOrThrow<Created>('createBatch', { plan: [entry(), entry()], dryRun: false }, admin);
    const cancelled = await callOrThrow<Batch>('cancelBatch', { batchId: created.batchId }, admin);
    expect(cancelled).toMatchObject({ status: 'cancelled', cancelled: 2, pending: 0 });
    expect(cancelled.finishedAt).not.toBeNull();
    const rows = await testDb().query('SELECT count(*)::int AS n FROM generation_requests WHERE pool_key = ANY($1)', [created.pools.map((p) => p.poolKey)]);
    expect(rows.rows[0].n).toBe(0);
  });
});
