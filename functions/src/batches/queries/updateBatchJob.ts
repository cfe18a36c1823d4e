import type { Queryable } from '../../shared/postgres';

/** Follows the OpenAI batch: its id, files and status (never once the output is downloaded or applied). */
export async function updateBatchJob(
  db: Queryable,
  jobId: string,
  update: { status: string; openaiBatchId?: string; inputFileId?: string; outputFileId?: string | null; errorFileId?: string | null; lastError?: string | null },
): Promise<void> {
  await db.query(
    `UPDATE openai_batch_jobs
        SET status = $2, openai_batch_id = coalesce($3, openai_batch_id), input_file_id = coalesce($4, input_file_id),
            output_file_id = coalesce($5, output_file_id), error_file_id = coalesce($6, error_file_id),
            last_error = $7, polls = polls + 1, updated_at = now()
      WHERE job_id = $1 AND status <> 'applied' AND downloaded_at IS NULL`,
    [jobId, update.status, update.openaiBatchId ?? null, update.inputFileId ?? null, update.outputFileId ?? null, update.errorFileId ?? null, update.lastError ?? null],
  );
}
