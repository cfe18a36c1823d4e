import type { Queryable } from '../../shared/postgres';

/** Batches counting this request: their mirrors need a refresh after its transition. */
export async function batchesOfRequest(db: Queryable, requestKey: string): Promise<string[]> {
  const { rows } = await db.query<{ batch_id: string }>(
    { name: 'generation-batches-of-request', text: `SELECT batch_id FROM generation_batch_requests WHERE request_key = $1 AND state = 'linked'` },
    [requestKey],
  );
  return rows.map((r) => r.batch_id);
}
