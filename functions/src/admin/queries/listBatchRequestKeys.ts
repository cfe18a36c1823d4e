import type { Queryable } from '../../shared/postgres';

/** The requests a batch accepted (linked); pools never accepted, or dropped by a cancel, are not its requests. */
export async function listBatchRequestKeys(db: Queryable, batchId: string): Promise<string[]> {
  const { rows } = await db.query<{ request_key: string }>(
    `SELECT request_key FROM generation_batch_requests WHERE batch_id = $1 AND state = 'linked'`,
    [batchId],
  );
  return rows.map((r) => r.request_key);
}
