import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { pollBatchApiJobs } from '../src/batches/openaiBatch/batchApiJob';
import { startBatch } from '../src/batches/startBatch';
import { batchApiConfig, batchDeps, batchFault, batchStats, heldCount, jobsOf } from './support/batchApi';
import { callOrThrow, signIn, triggerScheduled, type SignedIn } from './support/client';
import { modelCalls } from './support/fakeOpenAI';
import { poolItemSnapshots, uniquePool } from './support/pools';
import { closeTestClients, testDb, testFirestore, testStack } from './support/stack';

type Batch = { batchId: string; status: string; done: number; failed: number; questionsWritten: number; tokensIn: number; tokensOut: number; actualCostUsd: number; syncCostUsd: number };
type Created = { batchId: string; mode: string; estimate: { costUsd: number; syncCostUsd: number; modelCalls: number }; pools: Array<{ poolKey: string }> };

let admin: SignedIn;
beforeAll(async () => {
  admin = await signIn('admin@example.com', 'admin-password');
});
afterAll(closeTestClients);

/** Two model pools of one theme, 12 questions each: 10 per line, so two lines per pool. */
async function startBatchMode(theme: string, options: { pools?: number; start?: (batchId: string) => Promise<unknown> } = {}): Promise<Created> {
  const subjects = ['cinema', 'music', 'tv', 'art', 'literature'] as const;
  const plan = subjects.slice(0, options.pools ?? 2).map((subject) => ({ pool: uniquePool({ subject, theme }), targetCount: 12 }));
  const created = await callOrThrow<Created>('createBatch', { plan, mode: 'batch', dryRun: false }, admin);
  await (options.start ?? ((batchId) => callOrThrow<Batch>('startBatch', { batchId }, admin)))(created.batchId);
  return created;
}

/** What Cloud Scheduler does every minute, compressed: run the poller until the batch is final. */
async function pollUntilFinal(batchId: string, timeoutMs = 60_000): Promise<Batch> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await triggerScheduled('pollOpenAIBatches');
    const batch = await callOrThrow<{ batch: Batch }>('getBatch', { batchId }, admin);
    if (batch.batch.status === 'done' || batch.batch.status === 'failed') return batch.batch;
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  throw new Error(`batch ${batchId} not final`);
}

/** The verdicts stored with the batch's questions (a question stored without one counts as "none"). */
async function verdictsStored(batchId: string): Promise<Record<string, number>> {
  const { rows } = await testDb().query<{ verdict: string; n: number }>(
    `SELECT coalesce(q->'verification'->>'verdict', 'none') AS verdict, count(*)::int AS n
       FROM generation_requests r, jsonb_array_elements(r.result->'questions') q
      WHERE r.request_key IN (SELECT request_key FROM generation_batch_requests WHERE batch_id = $1) GROUP BY 1`,
    [batchId],
  );
  return Object.fromEntries(rows.map((r) => [r.verdict, r.n]));
}

async function poolSizes(created: Created): Promise<number[]> {
  return Promise.all(created.pools.map(async (p) => (await poolItemSnapshots(p.poolKey)).length));
}

describe('Batch API mode (mode: "batch")', () => {
  test('completed: one JSONL batch, no sync model call, pools written, tokens at half price', async () => {
    const theme = `bapi ok ${randomBytes(3).toString('hex')}`;
    const created = await startBatchMode(theme);
    expect(created.estimate.costUsd).toBeCloseTo(created.estimate.syncCostUsd / 2, 9);
    const jobs = await jobsOf(created.batchId);
    expect(jobs.map((j) => j.lines)).toEqual([4]);
    const batch = await pollUntilFinal(created.batchId);
    expect(batch).toMatchObject({ status: 'done', done: 2, failed: 0 });
    expect(batch.questionsWritten).toBe(24);
    expect(await poolSizes(created)).toEqual([12, 12]);
    expect((await modelCalls(theme)).calls).toBe(0);
    // The writer's batch, then one verification batch: the first blind look at each question (one line per pool).
    expect(await batchStats(theme)).toEqual({ batches: 1, lines: 4, downloads: 2, cancels: 0, billedLines: 4, verifyBatches: 1, verifyLines: 2, verifyBilledLines: 2 });
    expect(batch.tokensIn).toBeGreaterThan(0);
    // The writer's tokens and the verifier's first looks at half price; only the extra looks at a
    // disputed question run sync, at full price (none here: the fake verifier finds every key).
    const verified = (await testDb().query(
      `SELECT sum((result->'verification'->>'tokensIn')::int + (result->'verification'->>'tokensOut')::int)::int AS tokens,
              sum((result->'verification'->>'batchApiTokensIn')::int + (result->'verification'->>'batchApiTokensOut')::int)::int AS via_batch
         FROM generation_requests WHERE request_key IN (SELECT request_key FROM generation_batch_requests WHERE batch_id = $1)`,
      [created.batchId],
    )).rows[0];
    expect(verified.via_batch).toBeGreaterThan(0);
    expect((await modelCalls(theme)).verifications).toBe(0);
    // Exactly: every writer token and every first look went through the Batch API (half price); the
    // only full-price tokens of the batch are the verifier's sync looks (here none at all).
    const viaApi = (await testDb().query('SELECT (batch_api_tokens_in + batch_api_tokens_out)::int AS tokens FROM generation_batches WHERE batch_id = $1', [created.batchId])).rows[0];
    expect(batch.tokensIn + batch.tokensOut - viaApi.tokens).toBe(verified.tokens - verified.via_batch);
    expect(batch.tokensIn + batch.tokensOut - viaApi.tokens).toBe(0);
    // All at half price (costs are rounded to the micro-dollar, each on its own).
    expect(Math.abs(batch.actualCostUsd - batch.syncCostUsd / 2)).toBeLessThanOrEqual(1e-6);
    // Streamed into one row per line (no job-sized value anywhere), downloaded once, nothing held.
    expect((await jobsOf(created.batchId)).map((j) => [j.status, j.downloads, j.lines, j.stored])).toEqual([['applied', 1, 4, 4]]);
    expect((await jobsOf(created.batchId, 'verify')).map((j) => [j.status, j.downloads, j.lines, j.stored])).toEqual([['applied', 1, 2, 2]]);
    expect(await verdictsStored(created.batchId)).toEqual({ accepted: 24 });
    expect(await heldCount(created.batchId)).toBe(0);
  });

  test('a verify batch that expires: every question verified in sync, none accepted unverified', async () => {
    const theme = `bapi vexp ${randomBytes(3).toString('hex')}`;
    await batchFault(`verify:${theme}`, { kind: 'expired' });
    const created = await startBatchMode(theme);
    const batch = await pollUntilFinal(created.batchId);
    expect(batch).toMatchObject({ status: 'done', done: 2, failed: 0 });
    expect(await poolSizes(created)).toEqual([12, 12]);
    const calls = await modelCalls(theme);
    // No writer call in sync; the first looks the expired batch did not take are taken in sync (one call per pool).
    expect({ writer: calls.calls, verifier: calls.verifications }).toEqual({ writer: 0, verifier: 2 });
    expect(await batchStats(theme)).toMatchObject({ batches: 1, verifyBatches: 1, verifyBilledLines: 0 });
    expect((await jobsOf(created.batchId, 'all')).map((j) => j.status)).toEqual(['applied', 'applied']);
    expect(await verdictsStored(created.batchId)).toEqual({ accepted: 24 });
    expect(await heldCount(created.batchId)).toBe(0);
  });

  test('some error lines: what they should have brought is generated in sync mode', async () => {
    const theme = `bapi lines ${randomBytes(3).toString('hex')}`;
    await batchFault(theme, { kind: 'error-lines', ratio: 0.5 });
    const created = await startBatchMode(theme);
    const batch = await pollUntilFinal(created.batchId);
    expect(batch).toMatchObject({ status: 'done', done: 2 });
    expect(await poolSizes(created)).toEqual([12, 12]);
    // Two of four lines failed: the sync path made up the difference, and only that.
    const sync = (await modelCalls(theme)).calls;
    expect(sync).toBeGreaterThanOrEqual(1);
    expect(sync).toBeLessThanOrEqual(2);
    expect(batch.actualCostUsd).toBeLessThan(batch.syncCostUsd);
    expect(batch.actualCostUsd).toBeGreaterThan(batch.syncCostUsd / 2);
  });

  test('an expired batch (and one that fails validation) falls back to sync generation', async () => {
    for (const kind of ['expired', 'validation']) {
      const theme = `bapi ${kind} ${randomBytes(3).toString('hex')}`;
      await batchFault(theme, { kind });
      const created = await startBatchMode(theme);
      const batch = await pollUntilFinal(created.batchId);
      expect(batch).toMatchObject({ status: 'done', done: 2 });
      expect(await poolSizes(created)).toEqual([12, 12]);
      expect((await modelCalls(theme)).calls).toBe(4);
      expect(batch.actualCostUsd).toBeCloseTo(batch.syncCostUsd, 6);
      expect((await jobsOf(created.batchId)).map((j) => j.status)).toEqual(['applied']);
    }
  });

  test('a crash after the download never downloads or pays again', async () => {
    const theme = `bapi crash ${randomBytes(3).toString('hex')}`;
    const created = await startBatchMode(theme);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    // A poller whose queue is down: it downloads and stores the output, hands the first request
    // back, then dies on the enqueue — the state a crash right after the download leaves.
    const deps = {
      db: testDb(),
      firestore: testFirestore(),
      queue: { enqueue: async (): Promise<never> => { throw new Error('injected: queue unreachable'); } },
      batchApi: { client: new OpenAI({ apiKey: 'test-key', baseURL: testStack().openaiUrl }), model: 'fake-model', questionsPerCall: 10 },
    };
    for (let i = 0; i < 20; i++) {
      await pollBatchApiJobs(deps);
      if ((await jobsOf(created.batchId))[0]!.downloaded_at) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const job = (await jobsOf(created.batchId))[0]!;
    expect(job.downloaded_at).not.toBeNull();
    expect(job.status).not.toBe('applied');
    expect((await batchStats(theme)).downloads).toBe(1);
    // The deployed poller resumes from what Postgres holds; the sweeper re-queues the request
    // whose enqueue failed. Nothing is downloaded again and the model is not paid again.
    const deadline = Date.now() + 60_000;
    let batch: Batch | undefined;
    while (Date.now() < deadline) {
      await triggerScheduled('pollOpenAIBatches');
      await triggerScheduled('sweepGenerationRequests');
      batch = (await callOrThrow<{ batch: Batch }>('getBatch', { batchId: created.batchId }, admin)).batch;
      if (batch.status === 'done') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(batch).toMatchObject({ status: 'done', done: 2, questionsWritten: 24 });
    // The writer's batch downloaded once; the verify batch of what the resumed poller applied, once.
    expect((await jobsOf(created.batchId, 'all')).map((j) => j.downloads)).toEqual([1, 1]);
    expect(await batchStats(theme)).toMatchObject({ batches: 1, verifyBatches: 1, downloads: 2 });
    expect((await modelCalls(theme)).calls).toBe(0);
  });

  test("a batch past OpenAI's per-batch limits is split into several OpenAI batches, each applied", async () => {
    const theme = `bapi split ${randomBytes(3).toString('hex')}`;
    // Five pools of two lines each, at most four lines per OpenAI batch: three jobs (4, 4, 2 lines).
    const created = await startBatchMode(theme, { pools: 5, start: (batchId) => startBatch(batchDeps(batchApiConfig({ maxLinesPerJob: 4 })), { batchId }) });
    expect((await jobsOf(created.batchId)).map((j) => j.lines)).toEqual([4, 4, 2]);
    const batch = await pollUntilFinal(created.batchId);
    expect(batch).toMatchObject({ status: 'done', done: 5, failed: 0, questionsWritten: 60 });
    expect(await batchStats(theme)).toMatchObject({ batches: 3, lines: 10, downloads: 6, cancels: 0, billedLines: 10, verifyBatches: 3 });
    expect((await modelCalls(theme)).calls).toBe(0);
    expect((await jobsOf(created.batchId)).map((j) => [j.status, j.stored])).toEqual([['applied', 4], ['applied', 4], ['applied', 2]]);
    // The input byte limit splits the same way: a limit below two pools' lines puts each pool alone.
    const bytesTheme = `bapi bytes ${randomBytes(3).toString('hex')}`;
    const byBytes = await startBatchMode(bytesTheme, { pools: 3, start: (batchId) => startBatch(batchDeps(batchApiConfig({ maxBytesPerJob: 6_000 })), { batchId }) });
    expect((await jobsOf(byBytes.batchId)).map((j) => j.lines)).toEqual([2, 2, 2]);
    expect(await pollUntilFinal(byBytes.batchId)).toMatchObject({ status: 'done', done: 3 });
  });

  test('cancelling the batch cancels its OpenAI batch; nothing is held, nothing generated in sync mode', async () => {
    const theme = `bapi cancel ${randomBytes(3).toString('hex')}`;
    const created = await startBatchMode(theme);
    const cancelled = await callOrThrow<Batch>('cancelBatch', { batchId: created.batchId }, admin);
    expect(cancelled.status).toBe('cancelled');
    expect((await batchStats(theme)).cancels).toBe(1);
    // The poller follows the OpenAI batch to 'cancelled', downloads what it did (nothing) and lets go.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && (await jobsOf(created.batchId))[0]!.status !== 'applied') {
      await triggerScheduled('pollOpenAIBatches');
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    expect((await jobsOf(created.batchId)).map((j) => j.status)).toEqual(['applied']);
    expect(await heldCount(created.batchId)).toBe(0);
    const statuses = (await testDb().query('SELECT status FROM generation_requests WHERE request_key IN (SELECT request_key FROM generation_batch_requests WHERE batch_id = $1)', [created.batchId])).rows.map((r) => r.status);
    expect(statuses).toEqual(['cancelled', 'cancelled']);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect((await modelCalls(theme)).calls).toBe(0);
    expect(await poolSizes(created)).toEqual([0, 0]);
    const batch = (await callOrThrow<{ batch: Batch & { cancelled: number } }>('getBatch', { batchId: created.batchId }, admin)).batch;
    expect(batch).toMatchObject({ status: 'cancelled', cancelled: 2, done: 0 });
  });

  test('a job that keeps failing gives up after BATCH_API_MAX_FAILURES passes: OpenAI batch cancelled, work done in sync mode', async () => {
    const theme = `bapi give up ${randomBytes(3).toString('hex')}`;
    await batchFault(theme, { kind: 'retrieve-error' });
    const created = await startBatchMode(theme);
    const deps = batchDeps(batchApiConfig({ maxFailures: 3 }));
    const failures: number[] = [];
    for (let pass = 0; pass < 3; pass++) {
      await pollBatchApiJobs(deps);
      failures.push((await jobsOf(created.batchId))[0]!.failures);
    }
    // Two failed passes leave it held; the third lets go.
    expect(failures).toEqual([1, 2, 3]);
    expect((await jobsOf(created.batchId)).map((j) => j.status)).toEqual(['applied']);
    expect(await heldCount(created.batchId)).toBe(0);
    expect((await batchStats(theme)).cancels).toBe(1);
    const batch = await pollUntilFinal(created.batchId);
    expect(batch).toMatchObject({ status: 'done', done: 2 });
    expect(await poolSizes(created)).toEqual([12, 12]);
    expect((await modelCalls(theme)).calls).toBe(4);
    expect(batch.actualCostUsd).toBeCloseTo(batch.syncCostUsd, 6);
  });
});
