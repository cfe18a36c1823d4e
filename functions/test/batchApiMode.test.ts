import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { pollBatchApiJobs } from '../src/batches/openaiBatch/batchApiJob';
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

const controlUrl = (path: string) => `${testStack().openaiUrl.replace(/\/v1$/, '')}/_control/${path}`;
async function batchFault(theme: string, fault: Record<string, unknown>) {
  await fetch(controlUrl('batch-fault'), { method: 'POST', body: JSON.stringify({ theme, ...fault }) });
}
async function batchStats(theme: string): Promise<{ batches: number; downloads: number; lines: number }> {
  return (await (await fetch(`${controlUrl('batch-stats')}?theme=${encodeURIComponent(theme)}`)).json()) as { batches: number; downloads: number; lines: number };
}

/** Two model pools of one theme, 12 questions each: 10 per line, so two lines per pool. */
async function startBatchMode(theme: string): Promise<Created> {
  const plan = [{ pool: uniquePool({ subject: 'cinema', theme }), targetCount: 12 }, { pool: uniquePool({ subject: 'music', theme }), targetCount: 12 }];
  const created = await callOrThrow<Created>('createBatch', { plan, mode: 'batch', dryRun: false }, admin);
  await callOrThrow<Batch>('startBatch', { batchId: created.batchId }, admin);
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

async function poolSizes(created: Created): Promise<number[]> {
  return Promise.all(created.pools.map(async (p) => (await poolItemSnapshots(p.poolKey)).length));
}

describe('Batch API mode (mode: "batch")', () => {
  test('completed: one JSONL batch, no sync model call, pools written, tokens at half price', async () => {
    const theme = `bapi ok ${randomBytes(3).toString('hex')}`;
    const created = await startBatchMode(theme);
    expect(created.estimate.costUsd).toBeCloseTo(created.estimate.syncCostUsd / 2, 9);
    const job = (await testDb().query('SELECT status, lines FROM openai_batch_jobs WHERE job_id = $1', [created.batchId])).rows[0];
    expect(Object.keys(job.lines)).toHaveLength(4);
    const batch = await pollUntilFinal(created.batchId);
    expect(batch).toMatchObject({ status: 'done', done: 2, failed: 0 });
    expect(batch.questionsWritten).toBe(24);
    expect(await poolSizes(created)).toEqual([12, 12]);
    expect((await modelCalls(theme)).calls).toBe(0);
    expect(await batchStats(theme)).toEqual({ batches: 1, lines: 4, downloads: 1 });
    expect(batch.tokensIn).toBeGreaterThan(0);
    // The writer's tokens at half price; the verifier's check of the output runs sync, at full price.
    const verified = (await testDb().query(`SELECT sum((result->'verification'->>'tokensIn')::int + (result->'verification'->>'tokensOut')::int)::int AS tokens FROM generation_requests WHERE request_key IN (SELECT request_key FROM generation_batch_requests WHERE batch_id = $1)`, [created.batchId])).rows[0];
    expect(verified.tokens).toBeGreaterThan(0);
    // Exactly: every writer token went through the Batch API (half price); the only full-price
    // tokens of the batch are the verifier's.
    const viaApi = (await testDb().query('SELECT (batch_api_tokens_in + batch_api_tokens_out)::int AS tokens FROM generation_batches WHERE batch_id = $1', [created.batchId])).rows[0];
    expect(batch.tokensIn + batch.tokensOut - viaApi.tokens).toBe(verified.tokens);
    expect(batch.actualCostUsd).toBeGreaterThan(batch.syncCostUsd / 2);
    expect(batch.actualCostUsd).toBeLessThan(batch.syncCostUsd);
    const applied = (await testDb().query('SELECT status, downloads FROM openai_batch_jobs WHERE job_id = $1', [created.batchId])).rows[0];
    expect(applied).toEqual({ status: 'applied', downloads: 1 });
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
      const job = (await testDb().query('SELECT status, downloads FROM openai_batch_jobs WHERE job_id = $1', [created.batchId])).rows[0];
      expect(job.status).toBe('applied');
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
      const job = (await testDb().query('SELECT downloaded_at FROM openai_batch_jobs WHERE job_id = $1', [created.batchId])).rows[0];
      if (job.downloaded_at) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const job = (await testDb().query('SELECT status, downloads, downloaded_at FROM openai_batch_jobs WHERE job_id = $1', [created.batchId])).rows[0];
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
    expect((await batchStats(theme)).downloads).toBe(1);
    expect((await modelCalls(theme)).calls).toBe(0);
  });
});
