import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../shared/errors';
import type { Queryable } from '../shared/postgres';
import { parseInput } from '../shared/validation';
import { costUsd, priceOf } from './costs';
import { getBatchRow } from './queries/getBatchRow';
import { listBatchRequests } from './queries/listBatchRequests';
import { listBatchRows } from './queries/listBatchRows';
import { batchIdSchema } from './startBatch';
import { toBatchSummary, type BatchSummary, type Pricing } from './summary';

export type ReadDeps = { db: Queryable; pricing: Pricing };

export type BatchRequestView = {
  requestKey: string;
  poolKey: string;
  targetCount: number;
  status: string;
  questions: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  lastError: string | null;
  /** Additive to the console contract: prompt tokens served from OpenAI's cache, and the model that wrote the pool. */
  cachedTokensIn: number;
  model: string | null;
  /** Candidates turned away by reason (gate, linter, verifier). */
  rejected: Record<string, number>;
};

export async function getBatch(deps: ReadDeps, input: unknown): Promise<{ batch: BatchSummary & { rejected: Record<string, number> }; requests: BatchRequestView[] }> {
  const { batchId } = parseInput(batchIdSchema, input);
  const row = await getBatchRow(deps.db, batchId);
  if (!row) throw new NotFoundError(`No batch ${batchId}`);
  const price = priceOf(deps.pricing.prices, deps.pricing.model);
  const requests = (await listBatchRequests(deps.db, batchId)).map((r) => ({
    requestKey: r.request_key,
    poolKey: r.pool_key,
    targetCount: r.target_count,
    // A pool never accepted is pending (or cancelled, if its batch was cancelled first).
    status: r.state === 'dropped' ? 'cancelled' : r.state === 'planned' ? 'pending' : (r.status ?? 'pending'),
    questions: r.state === 'linked' && r.status === 'done' ? (r.generated_count ?? 0) : 0,
    tokensIn: r.tokens_in ?? 0,
    tokensOut: r.tokens_out ?? 0,
    costUsd: costUsd(price, { tokensIn: r.tokens_in ?? 0, cachedTokensIn: r.cached_tokens_in ?? 0, tokensOut: r.tokens_out ?? 0 }, row.mode),
    lastError: r.last_error,
    cachedTokensIn: r.cached_tokens_in ?? 0,
    model: r.model,
    rejected: r.state === 'linked' ? (r.rejected ?? {}) : {},
  }));
  // The batch's rejections by reason: its requests' summed, each request once (two pools of a plan may share one).
  const rejected: Record<string, number> = {};
  const counted = new Set<string>();
  for (const r of requests) {
    if (counted.has(r.requestKey)) continue;
    counted.add(r.requestKey);
    for (const [reason, n] of Object.entries(r.rejected)) rejected[reason] = (rejected[reason] ?? 0) + n;
  }
  return { batch: { ...toBatchSummary(row, deps.pricing), rejected }, requests };
}

const listSchema = z.strictObject({
  limit: z.int({ error: 'must be an integer' }).min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
  before: z.string({ error: 'must be a string' }).max(200).optional(),
});

function encodeCursor(row: { created_at: Date; batch_id: string }): string {
  return `${row.created_at.toISOString()}_${row.batch_id}`;
}

function decodeCursor(cursor: string): { createdAt: Date; batchId: string } {
  const match = /^(.+)_([0-9a-f]{64})$/.exec(cursor);
  const createdAt = match ? new Date(match[1]!) : new Date(Number.NaN);
  if (!match || Number.isNaN(createdAt.getTime())) throw new InvalidInputError('before: must be the `next` value of a previous listBatches reply');
  return { createdAt, batchId: match[2]! };
}

/** Newest first, `limit` per page; `next` is the cursor for the following page. */
export async function listBatches(deps: ReadDeps, input: unknown): Promise<{ batches: BatchSummary[]; next?: string }> {
  const request = parseInput(listSchema, input ?? {});
  const rows = await listBatchRows(deps.db, { limit: request.limit + 1, before: request.before ? decodeCursor(request.before) : undefined });
  const page = rows.slice(0, request.limit);
  const last = page.at(-1);
  return { batches: page.map((row) => toBatchSummary(row, deps.pricing)), ...(rows.length > request.limit && last ? { next: encodeCursor(last) } : {}) };
}
