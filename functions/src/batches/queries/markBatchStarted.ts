import type { Queryable } from '../../shared/postgres';

/** created → running, once; a second start finds it running and resumes linking. */
export async function markBatchStarted(db: Queryable, batchId: string): Promise<void> {
  await db.query(
    `UPDATE generation_batches SET status = 'running', started_at = now(), updated_at = now(), seq = seq + 1
      WHERE batch_id = $1 AND status = 'created'`,
    [batchId],
  );
}
