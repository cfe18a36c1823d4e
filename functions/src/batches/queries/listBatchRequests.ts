import type { Queryable } from '../../shared/postgres';
import type { GenerationStatus } from '../../generation/queries/types';

export type BatchRequestRow = {
  position: number;
  request_key: string;
  pool_key: string;
  target_count: number;
  params: unknown;
  state: 'planned' | 'linked' | 'dropped';
  status: GenerationStatus | null;
  generated_count: number | null;
  tokens_in: number | null;
  tokens_out: number | null;
  cached_tokens_in: number | null;
  last_error: string | null;
  model: string | null;
  rejected: Record<string, number> | null;
};

/** The batch's pools in plan order, with their request's state where one exists. */
export async function listBatchRequests(db: Queryable, batchId: string, filter?: { state: BatchRequestRow['state'] }): Promise<BatchRequestRow[]> {
  const { rows } = await db.query<BatchRequestRow>(
    `SELECT l.position, l.request_key, l.pool_key, l.target_count, l.params, l.state,
            r.status, r.generated_count, r.tokens_in, r.tokens_out, r.cached_tokens_in, r.last_error, r.result->>'model' AS model,
            r.result->'rejected' AS rejected
       FROM generation_batch_requests l
       LEFT JOIN generation_requests r ON r.request_key = l.request_key
      WHERE l.batch_id = $1 AND ($2::text IS NULL OR l.state = $2)
      ORDER BY l.position`,
    [batchId, filter?.state ?? null],
  );
  return rows;
}
