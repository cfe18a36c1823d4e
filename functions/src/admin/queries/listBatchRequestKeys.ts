import { InvalidInputError } from '../../shared/errors';
import type { Queryable } from '../../shared/postgres';

/** Issue 8's generation_batch_requests; before that table exists the batch filter says so plainly. */
export async function listBatchRequestKeys(db: Queryable, batchId: string): Promise<string[]> {
  try {
    const { rows } = await db.query<{ request_key: string }>(`SELECT request_key FROM generation_batch_requests WHERE batch_id = $1`, [batchId]);
    return rows.map((r) => r.request_key);
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') throw new InvalidInputError('batchId: batches are not available on this deployment');
    throw error;
  }
}
