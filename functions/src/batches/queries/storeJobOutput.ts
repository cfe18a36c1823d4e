import type { Queryable } from '../../shared/postgres';

/** The downloaded output, stored once: the first writer wins and nobody downloads again. */
export async function storeJobOutput(db: Queryable, jobId: string, output: Record<string, unknown>): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE openai_batch_jobs SET output = $2, downloaded_at = now(), downloads = downloads + 1, updated_at = now()
      WHERE job_id = $1 AND downloaded_at IS NULL`,
    [jobId, JSON.stringify(output)],
  );
  return rowCount === 1;
}
