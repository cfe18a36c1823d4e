import type { Queryable } from '../../shared/postgres';

/**
 * Counts an accepted request in its batch, at the status it has right now. The request row is
 * share-locked, so a concurrent transition either commits first (and is read here) or waits and
 * then finds the link in place (and its trigger counts the move). Linking twice does nothing.
 * Only a running batch links: a cancelled one stops taking pools.
 */
export async function linkBatchRequest(db: Queryable, batchId: string, requestKey: string): Promise<boolean> {
  const { rows } = await db.query<{ linked: boolean }>(
    `WITH r AS (
       SELECT status, generated_count, tokens_in, tokens_out, cached_tokens_in
         FROM generation_requests WHERE request_key = $2 FOR SHARE
     ), l AS (
       UPDATE generation_batch_requests SET state = 'linked'
        WHERE batch_id = $1 AND request_key = $2 AND state = 'planned'
          AND EXISTS (SELECT 1 FROM r)
          AND EXISTS (SELECT 1 FROM generation_batches WHERE batch_id = $1 AND status = 'running')
        RETURNING 1
     ), b AS (
       UPDATE generation_batches b
          SET pending   = b.pending   + (r.status = 'pending')::int,
              running   = b.running   + (r.status = 'running')::int,
              done      = b.done      + (r.status = 'done')::int,
              failed    = b.failed    + (r.status = 'failed')::int,
              cancelled = b.cancelled + (r.status = 'cancelled')::int,
              questions_written = b.questions_written + CASE WHEN r.status = 'done' THEN coalesce(r.generated_count, 0) ELSE 0 END,
              tokens_in  = b.tokens_in  + CASE WHEN r.status IN ('done', 'failed', 'cancelled') THEN r.tokens_in ELSE 0 END,
              tokens_out = b.tokens_out + CASE WHEN r.status IN ('done', 'failed', 'cancelled') THEN r.tokens_out ELSE 0 END,
              cached_tokens_in = b.cached_tokens_in + CASE WHEN r.status IN ('done', 'failed', 'cancelled') THEN r.cached_tokens_in ELSE 0 END,
              seq = b.seq + 1, updated_at = now()
         FROM r
        WHERE b.batch_id = $1 AND EXISTS (SELECT 1 FROM l)
        RETURNING 1
     )
     SELECT EXISTS (SELECT 1 FROM b) AS linked`,
    [batchId, requestKey],
  );
  return rows[0]?.linked === true;
}
