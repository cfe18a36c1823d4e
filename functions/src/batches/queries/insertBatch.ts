import type { Queryable } from '../../shared/postgres';
import type { PlanEntry } from '../plan';
import type { BatchEstimate, BatchMode, GenerationBatchRow } from './types';

export type InsertBatchInput = {
  batchId: string;
  name: string;
  mode: BatchMode;
  estimate: BatchEstimate;
  createdBy: string;
  entries: readonly PlanEntry[];
};

/**
 * The batch and all its pools in one statement: either everything is stored or nothing. A batch
 * that already exists (same plan) is returned as it is, with created = false.
 */
export async function insertBatch(db: Queryable, input: InsertBatchInput): Promise<{ created: boolean; row: GenerationBatchRow }> {
  const { rows } = await db.query<GenerationBatchRow & { created: boolean }>(
    `WITH batch AS (
       INSERT INTO generation_batches (batch_id, name, mode, total, estimate, created_by)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (batch_id) DO NOTHING
       RETURNING *
     ), pools AS (
       INSERT INTO generation_batch_requests (batch_id, position, request_key, pool_key, target_count, params)
       SELECT $1, e.position, e.request_key, e.pool_key, e.target_count, e.params
         FROM jsonb_to_recordset($7::jsonb) AS e(position int, request_key text, pool_key text, target_count int, params jsonb)
        WHERE EXISTS (SELECT 1 FROM batch)
     )
     SELECT batch.*, true AS created FROM batch
     UNION ALL
     SELECT b.*, false AS created FROM generation_batches b WHERE b.batch_id = $1 AND NOT EXISTS (SELECT 1 FROM batch)`,
    [
      input.batchId, input.name, input.mode, input.entries.length, JSON.stringify(input.estimate), input.createdBy,
      JSON.stringify(input.entries.map((e) => ({ position: e.position, request_key: e.requestKey, pool_key: e.poolKey, target_count: e.targetCount, params: e.pool }))),
    ],
  );
  const { created, ...row } = rows[0]!;
  return { created, row };
}
