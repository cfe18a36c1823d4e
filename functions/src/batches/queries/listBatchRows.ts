import type { Queryable } from '../../shared/postgres';
import type { GenerationBatchRow } from './types';

/** Newest first; the cursor is the (created_at, batch_id) of the last row of the previous page. */
export async function listBatchRows(db: Queryable, input: { limit: number; before?: { createdAt: Date; batchId: string } }): Promise<GenerationBatchRow[]> {
  const { rows } = await db.query<GenerationBatchRow>(
    `SELECT * FROM generation_batches
      WHERE $2::timestamptz IS NULL OR (created_at, batch_id) < ($2::timestamptz, $3::text)
      ORDER BY created_at DESC, batch_id DESC
      LIMIT $1`,
    [input.limit, input.before?.createdAt ?? null, input.before?.batchId ?? null],
  );
  return rows;
}
