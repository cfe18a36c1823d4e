import type { Queryable } from '../../shared/postgres';

export type BatchJobRow = {
  job_id: string;
  batch_id: string;
  /** The generation batch's status: a cancelled batch cancels its OpenAI batch. */
  batch_status: string;
  status: string;
  openai_batch_id: string | null;
  output_file_id: string | null;
  error_file_id: string | null;
  downloaded_at: Date | null;
  downloads: number;
  failures: number;
  created_at: Date;
};

const COLUMNS = `j.job_id, j.batch_id, b.status AS batch_status, j.status, j.openai_batch_id, j.output_file_id, j.error_file_id,
  j.downloaded_at, j.downloads, j.failures, j.created_at`;

export async function listOpenBatchJobs(db: Queryable, limit = 20): Promise<BatchJobRow[]> {
  const { rows } = await db.query<BatchJobRow>(
    `SELECT ${COLUMNS} FROM openai_batch_jobs j JOIN generation_batches b USING (batch_id)
      WHERE j.status <> 'applied' ORDER BY j.created_at LIMIT $1`,
    [limit],
  );
  return rows;
}

/** The batch's jobs OpenAI may still be working on (to cancel them with the batch). */
export async function runningJobsOfBatch(db: Queryable, batchId: string): Promise<BatchJobRow[]> {
  const { rows } = await db.query<BatchJobRow>(
    `SELECT ${COLUMNS} FROM openai_batch_jobs j JOIN generation_batches b USING (batch_id)
      WHERE j.batch_id = $1 AND j.openai_batch_id IS NOT NULL AND j.status IN ('validating', 'in_progress', 'finalizing')`,
    [batchId],
  );
  return rows;
}

/** A poller pass failed on this job; returns the consecutive failures so far. */
export async function recordJobFailure(db: Queryable, jobId: string, error: string): Promise<number> {
  const { rows } = await db.query<{ failures: number }>(
    `UPDATE openai_batch_jobs SET failures = failures + 1, last_error = $2, updated_at = now() WHERE job_id = $1 RETURNING failures`,
    [jobId, error.slice(0, 1000)],
  );
  return rows[0]?.failures ?? 0;
}

export async function clearJobFailures(db: Queryable, jobId: string): Promise<void> {
  await db.query('UPDATE openai_batch_jobs SET failures = 0 WHERE job_id = $1 AND failures > 0', [jobId]);
}

/** A request's usage as its stored lines report it (what was paid, whatever happens to the output). */
export async function storedUsageOfRequest(db: Queryable, jobId: string, requestKey: string): Promise<{ tokensIn: number; tokensOut: number; cachedTokensIn: number }> {
  const { rows } = await db.query<{ tokens_in: number; tokens_out: number; cached_tokens_in: number }>(
    `SELECT coalesce(sum((outcome->'usage'->>'tokensIn')::bigint), 0)::int AS tokens_in,
            coalesce(sum((outcome->'usage'->>'tokensOut')::bigint), 0)::int AS tokens_out,
            coalesce(sum((outcome->'usage'->>'cachedTokensIn')::bigint), 0)::int AS cached_tokens_in
       FROM openai_batch_lines WHERE job_id = $1 AND request_key = $2 AND outcome IS NOT NULL`,
    [jobId, requestKey],
  );
  const row = rows[0]!;
  return { tokensIn: row.tokens_in, tokensOut: row.tokens_out, cachedTokensIn: row.cached_tokens_in };
}

/**
 * The job's requests it has let go that no task has picked up yet (pending, never attempted), with
 * their current enqueue counter: offered again under the same task id, which Cloud Tasks
 * deduplicates, so a release whose enqueue died is delivered without waiting for the sweeper.
 */
export async function releasedUnstartedOfJob(db: Queryable, jobId: string): Promise<Array<{ request_key: string; enqueue_count: number }>> {
  const { rows } = await db.query<{ request_key: string; enqueue_count: number }>(
    `SELECT r.request_key, r.enqueue_count FROM generation_requests r
      WHERE r.request_key IN (SELECT DISTINCT request_key FROM openai_batch_lines WHERE job_id = $1)
        AND r.status = 'pending' AND r.attempts = 0 AND r.held_by_job IS NULL AND r.enqueued_at IS NOT NULL`,
    [jobId],
  );
  return rows;
}
