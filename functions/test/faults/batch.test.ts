import { randomBytes } from 'node:crypto';
import { pollBatchApiJobs } from '../../src/batches/openaiBatch/batchApiJob';
import { startBatch } from '../../src/batches/startBatch';
import { crashHere, FAULT_POINTS, installFaultHook, InjectedFault, type FaultPointName } from '../../src/shared/faultPoints';
import { batchApiConfig, batchDeps, batchFault, batchStats, heldCount, jobsOf } from '../support/batchApi';
import { callOrThrow, signIn, triggerScheduled, type SignedIn } from '../support/client';
import { modelCalls } from '../support/fakeOpenAI';
import { poolItemSnapshots, uniquePool } from '../support/pools';
import { closeTestClients, testDb } from '../support/stack';

// Batch start and the Batch API poller (upload → create → poll → download → store → apply → fall
// back): at every named point of FAULT_POINTS.batch the process dies (crashHere) or the next
// dependency call fails (InjectedFault); production's redeliveries follow (the admin starts the
// batch again, the poller's next scheduled passes, the sweeper) and the invariants of
// docs/reliability.md are checked.

const INVARIANTS = [
  'one OpenAI batch at most',
  'model work paid once',
  'every token charged',
  'every request done, its pool equal to its stored result',
  'batch counters = sum of its requests',
  'never done early',
  'nothing held or leased',
] as const;

/** Reached only by a batch that fails (here: expires); the others by one that completes. */
const FALLBACK_POINTS = new Set<FaultPointName>(['batch.afterFallback']);
const POOLS = 2;
const TARGET = 12;
/** 12 questions, 10 per call: two lines (or two sync calls) per pool. */
const WORK_UNITS = POOLS * 2;

let admin: SignedIn;
const enumerated: Array<{ point: FaultPointName; mode: string; invariants: number }> = [];

beforeAll(async () => {
  admin = await signIn('admin@example.com', 'admin-password');
});
afterEach(() => installFaultHook(undefined));
afterAll(closeTestClients);

type BatchRow = { status: string; total: number; pending: number; running: number; done: number; failed: number; cancelled: number; questions_written: string; tokens_in: string; tokens_out: string };
type RequestRow = { request_key: string; pool_key: string; status: string; generated_count: number; stored: number; tokens: number; tokens_in: number; tokens_out: number; lease: Date | null; held_by_job: string | null };

async function batchRow(batchId: string): Promise<BatchRow> {
  return (await testDb().query('SELECT status, total, pending, running, done, failed, cancelled, questions_written, tokens_in, tokens_out FROM generation_batches WHERE batch_id = $1', [batchId])).rows[0];
}

async function requestsOf(batchId: string): Promise<RequestRow[]> {
  return (await testDb().query(
    `SELECT r.request_key, r.pool_key, r.status, r.generated_count, coalesce(jsonb_array_length(r.result->'questions'), 0) AS stored,
            (r.tokens_in + r.tokens_out)::int AS tokens, r.tokens_in::int, r.tokens_out::int, r.lease_expires_at AS lease, r.held_by_job
       FROM generation_requests r JOIN generation_batch_requests b USING (request_key) WHERE b.batch_id = $1`,
    [batchId],
  )).rows;
}

const FINAL = new Set(['done', 'failed', 'cancelled']);

async function scenario(point: FaultPointName, mode: 'crash' | 'throw'): Promise<number> {
  const theme = `bfp ${point.slice('batch.'.length).toLowerCase()} ${mode} ${randomBytes(3).toString('hex')}`;
  if (FALLBACK_POINTS.has(point)) await batchFault(theme, { kind: 'expired' });
  const plan = (['cinema', 'music'] as const).map((subject) => ({ pool: uniquePool({ subject, theme }), targetCount: TARGET }));
  const { batchId } = await callOrThrow<{ batchId: string }>('createBatch', { plan, mode: 'batch', dryRun: false }, admin);

  let fired = false;
  let onCrash = () => undefined as void;
  let crashed = new Promise<void>((resolve) => (onCrash = resolve));
  installFaultHook((at) => {
    if (at !== point || fired) return undefined;
    fired = true;
    if (mode === 'throw') throw new InjectedFault(at);
    onCrash();
    // Later steps run in "the next process": nothing of this one continues.
    crashed = new Promise<void>(() => undefined);
    return crashHere();
  });
  /** Runs one delivery; a crash leaves it hanging forever, and the next delivery carries on. */
  const deliver = async (work: () => Promise<unknown>) => {
    try {
      await Promise.race([work(), crashed]);
    } catch (error) {
      if (!(error instanceof InjectedFault)) throw error;
    }
  };
  const deps = batchDeps(batchApiConfig());
  await deliver(() => startBatch(deps, { batchId }));
  // The admin's retry (a start cut short resumes where it stopped).
  await deliver(() => startBatch(deps, { batchId }));

  let doneEarly = false;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    // The poller's next scheduled passes (a submission that died is not waited for 10 minutes here).
    await deliver(() => pollBatchApiJobs(deps, { submitAbandonedMs: 0 }));
    await triggerScheduled('sweepGenerationRequests');
    const row = await batchRow(batchId);
    const requests = await requestsOf(batchId);
    if (row.status === 'done') {
      if (requests.some((r) => !FINAL.has(r.status))) doneEarly = true;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
  expect({ point, mode, fired }).toEqual({ point, mode, fired: true });

  const stats = await batchStats(theme);
  const calls = await modelCalls(theme);
  const requests = await requestsOf(batchId);
  const row = await batchRow(batchId);
  const context = { point, mode };
  // 1. The OpenAI batch is created at most once (a lost id is found again by its metadata).
  expect({ ...context, atMostOne: stats.batches <= 1 }).toEqual({ ...context, atMostOne: true });
  // 2. The writer's work paid once: lines OpenAI answered plus sync calls make exactly the work asked.
  expect({ ...context, paid: stats.billedLines + calls.calls }).toEqual({ ...context, paid: WORK_UNITS });
  // 3. Every token the fake billed (Batch API lines, sync writer and verifier calls) is on a request.
  expect({ ...context, charged: requests.reduce((n, r) => n + r.tokens, 0) }).toEqual({ ...context, charged: calls.billed });
  // 4. Every request done, its pool equal to its stored result.
  for (const request of requests) {
    const pool = (await poolItemSnapshots(request.pool_key)).length;
    expect({ ...context, status: request.status, pool, stored: request.stored }).toEqual({ ...context, status: 'done', pool: TARGET, stored: TARGET });
  }
  // 5. The batch's counters are the sum of its requests.
  const count = (status: string) => requests.filter((r) => r.status === status).length;
  expect({ ...context, total: row.total, pending: row.pending, running: row.running, done: row.done, failed: row.failed, cancelled: row.cancelled, questions: Number(row.questions_written), tokensIn: Number(row.tokens_in), tokensOut: Number(row.tokens_out) }).toEqual({
    ...context, total: POOLS, pending: count('pending'), running: count('running'), done: count('done'), failed: count('failed'), cancelled: count('cancelled'),
    questions: requests.reduce((n, r) => n + r.generated_count, 0), tokensIn: requests.reduce((n, r) => n + r.tokens_in, 0), tokensOut: requests.reduce((n, r) => n + r.tokens_out, 0),
  });
  // 6. Done only once every request was final.
  expect({ ...context, status: row.status, doneEarly }).toEqual({ ...context, status: 'done', doneEarly: false });
  // 7. Nothing held by a job, no job left open, no lease left.
  expect({ ...context, held: await heldCount(batchId), open: (await jobsOf(batchId)).filter((j) => j.status !== 'applied').length, leased: requests.filter((r) => r.status === 'running').length })
    .toEqual({ ...context, held: 0, open: 0, leased: 0 });
  return INVARIANTS.length;
}

describe('batch fault points: crash and throw at every point of FAULT_POINTS.batch', () => {
  for (const point of FAULT_POINTS.batch) {
    for (const mode of ['crash', 'throw'] as const) {
      test(`${mode} at ${point}`, async () => {
        const invariants = await scenario(point, mode);
        enumerated.push({ point, mode, invariants });
      }, 180_000);
    }
  }

  test('enumerated exactly FAULT_POINTS.batch, each crashed and thrown', () => {
    const points = [...new Set(enumerated.map((e) => e.point))];
    expect(points).toEqual([...FAULT_POINTS.batch]);
    expect(enumerated).toHaveLength(FAULT_POINTS.batch.length * 2);
    const checks = enumerated.reduce((n, e) => n + e.invariants, 0);
    console.log(`batch fault points: ${FAULT_POINTS.batch.length} points × 2 faults (crash, throw) × ${INVARIANTS.length} invariants = ${checks} checks`);
  });
});
