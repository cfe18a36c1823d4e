import { z } from 'zod';
import { acceptGenerationRequest, enqueueOwned } from '../generation/acceptGenerationRequest';
import { poolParamsSchema } from '../questions/poolParams';
import type { GenerationTaskQueue } from '../generation/taskQueue';
import { pickGenerator } from '../questions/pickGenerator';
import { cancelOpenAIBatches, submitBatchApiJobs } from './openaiBatch/batchApiJob';
import { publicError } from '../generation/publicErrors';
import { mirrorStatus } from '../generation/statusMirror';
import { NotFoundError } from '../shared/errors';
import { parseInput } from '../shared/validation';
import { mirrorBatch } from './batchMirror';
import type { BatchDeps } from './createBatch';
import { cancelBatchRequests } from './queries/cancelBatchRequests';
import { getBatchRow } from './queries/getBatchRow';
import { linkBatchRequest } from './queries/linkBatchRequest';
import { listBatchRequests } from './queries/listBatchRequests';
import { markBatchCancelled } from './queries/markBatchCancelled';
import { markBatchStarted } from './queries/markBatchStarted';
import { settleBatch } from './queries/settleBatch';
import { toBatchSummary, type BatchSummary } from './summary';

export const batchIdSchema = z.strictObject({
  batchId: z.string({ error: 'must be a string' }).regex(/^[0-9a-f]{64}$/, 'must be a batch id (64 hex characters)'),
});

/** The requester a batch appears as in generation_requesters: another requester keeps shared work alive. */
export const batchRequester = (batchId: string) => `batch:${batchId}`;

/** Per-user limits do not apply to batches (Postgres integer range). */
const UNLIMITED = 2_000_000_000;

/** Accepts in parallel, a few at a time: the accept path is a Postgres round trip, a Firestore write and an enqueue. */
const START_CONCURRENCY = 8;
/** The mirror is refreshed this often while a large batch is being accepted. */
const MIRROR_EVERY = 50;

async function summary(deps: BatchDeps, batchId: string): Promise<BatchSummary> {
  const row = await getBatchRow(deps.db, batchId);
  if (!row) throw new NotFoundError(`No batch ${batchId}`);
  return toBatchSummary(row, deps.pricing);
}

/**
 * Puts every pool of the batch through requestGeneration's accept path (dedup, joining is free),
 * as requester `batch:<id>`, and links each request so its transitions count. Idempotent and
 * resumable: a start interrupted half-way continues from the pools not linked yet.
 */
export async function startBatch(deps: BatchDeps, input: unknown): Promise<BatchSummary> {
  const { batchId } = parseInput(batchIdSchema, input);
  const row = await getBatchRow(deps.db, batchId);
  if (!row) throw new NotFoundError(`No batch ${batchId}`);
  if (row.status === 'created') await markBatchStarted(deps.db, batchId);
  else if (row.status !== 'running') return toBatchSummary(row, deps.pricing);

  // The batch was checked against the global budget when created; per-user limits are for the app's users.
  const planned = await listBatchRequests(deps.db, batchId, { state: 'planned' });
  // Batch API mode: new model work is not queued for the sync path but held for one OpenAI batch.
  const held = new Map<string, number>();
  const modelWork = new Set(planned.filter((p) => pickGenerator(deps.generators, poolParamsSchema.parse(p.params)).name === 'openai').map((p) => p.request_key));
  const queue: GenerationTaskQueue = row.mode === 'batch'
    ? {
        enqueue: async (requestKey, enqueueCount) => {
          if (!modelWork.has(requestKey)) return deps.queue.enqueue(requestKey, enqueueCount);
          held.set(requestKey, enqueueCount);
          return 'enqueued';
        },
      }
    : deps.queue;
  const acceptDeps = { ...deps, queue, quotas: { ...deps.quotas, userDailyRequests: UNLIMITED, userDailyTokens: UNLIMITED, userPaidInFlight: UNLIMITED, reserve: false } };
  let next = 0;
  let linked = 0;
  const worker = async () => {
    while (next < planned.length) {
      const pool = planned[next++]!;
      await acceptGenerationRequest(acceptDeps, batchRequester(batchId), { pool: pool.params, targetCount: pool.target_count });
      await linkBatchRequest(deps.db, batchId, pool.request_key);
      if (++linked % MIRROR_EVERY === 0) await mirrorBatch(deps, batchId).catch(() => undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(START_CONCURRENCY, planned.length) }, worker));
  if (held.size > 0) {
    const heldKeys = await submitBatchApiJobs(deps, batchId, planned.filter((p) => held.has(p.request_key)).map((p) => ({ ...p, result: null })));
    // Work someone else also wants (or that moved on meanwhile) gets the task it was promised.
    for (const [requestKey, enqueueCount] of held) if (!heldKeys.has(requestKey)) await enqueueOwned(deps, requestKey, enqueueCount);
  }
  await settleBatch(deps.db, batchId);
  await mirrorBatch(deps, batchId);
  return summary(deps, batchId);
}

/**
 * Stops a batch: pools not accepted yet are dropped, pending requests that nobody else wants are
 * cancelled, running ones finish, and its OpenAI batches (Batch API mode) are cancelled. Cancelling a finished or cancelled batch changes nothing.
 */
export async function cancelBatch(deps: BatchDeps, input: unknown): Promise<BatchSummary> {
  const { batchId } = parseInput(batchIdSchema, input);
  const row = await getBatchRow(deps.db, batchId);
  if (!row) throw new NotFoundError(`No batch ${batchId}`);
  await markBatchCancelled(deps.db, batchId);
  // Its OpenAI batches stop too (a failure here is retried by the poller, which sees the batch cancelled).
  await cancelOpenAIBatches(deps, batchId);
  const cancelled = await cancelBatchRequests(deps.db, batchId);
  await settleBatch(deps.db, batchId);
  await Promise.all(cancelled.map((requestKey) => mirrorStatus(deps.firestore, requestKey, { status: 'cancelled', ...publicError('cancelled-with-batch') }).catch(() => undefined)));
  await mirrorBatch(deps, batchId);
  return summary(deps, batchId);
}
