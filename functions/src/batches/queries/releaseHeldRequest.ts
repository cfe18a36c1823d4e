import type { Queryable } from '../../shared/postgres';

export type BatchApiUsage = { tokensIn: number; tokensOut: number; cachedTokensIn: number };

/**
 * Hands a held request back to the sync path with what the Batch API produced (if anything),
 * in one statement: the result and its tokens are stored on the request, charged to the global
 * budget and to the batch's Batch API tokens, the hold is lifted and a new enqueue counter is taken.
 * The sync task then writes a complete result without calling the model, or generates what is
 * missing. Only the holder's first release does anything; it returns the counter to enqueue with.
 */
export async function releaseHeldRequest(
  db: Queryable,
  input: { jobId: string; requestKey: string; result: unknown | null; usage: BatchApiUsage; moveTo?: string },
): Promise<number | undefined> {
  // moveTo: instead of letting go, the request passes (result and tokens stored the same way) to
  // the batch's verify job, recorded here if it is the first; no task is queued.
  const { rows } = await db.query<{ enqueue_count: number }>(
    `WITH next_job AS (
       INSERT INTO openai_batch_jobs (job_id, batch_id)
       SELECT $7::text, batch_id FROM openai_batch_jobs WHERE job_id = $1 AND $7::text IS NOT NULL
       ON CONFLICT (job_id) DO NOTHING
     ), released AS (
       UPDATE generation_requests
          SET result = coalesce($3::jsonb, result), tokens_in = tokens_in + $4, tokens_out = tokens_out + $5,
              cached_tokens_in = cached_tokens_in + $6, held_by_job = $7::text,
              enqueue_count = enqueue_count + (CASE WHEN $7::text IS NULL THEN 1 ELSE 0 END),
              enqueued_at = CASE WHEN $7::text IS NULL THEN now() ELSE enqueued_at END, updated_at = now()
        WHERE request_key = $2 AND held_by_job = $1
        RETURNING enqueue_count, requested_by
     ), charged AS (
       INSERT INTO usage_daily (day, subject, tokens)
       SELECT (now() AT TIME ZONE 'utc')::date, 'global', $4::bigint + $5::bigint
        WHERE EXISTS (SELECT 1 FROM released) AND $4::bigint + $5::bigint > 0
       ON CONFLICT (day, subject) DO UPDATE SET tokens = usage_daily.tokens + EXCLUDED.tokens
     ), batch AS (
       UPDATE generation_batches
          SET batch_api_tokens_in = batch_api_tokens_in + $4, batch_api_tokens_out = batch_api_tokens_out + $5,
              batch_api_cached_tokens_in = batch_api_cached_tokens_in + $6
        WHERE batch_id = (SELECT batch_id FROM openai_batch_jobs WHERE job_id = $1) AND EXISTS (SELECT 1 FROM released)
     )
     SELECT enqueue_count FROM released`,
    [input.jobId, input.requestKey, input.result === null ? null : JSON.stringify(input.result), input.usage.tokensIn, input.usage.tokensOut, input.usage.cachedTokensIn, input.moveTo ?? null],
  );
  return rows[0]?.enqueue_count;
}
