import type { Queryable } from '../../shared/postgres';

export type JobLine = { requestKey: string; count: number };

/** Recorded before anything is sent to OpenAI, so a crash mid-submission is found and undone by the poller. */
export async function insertBatchJob(db: Queryable, jobId: string, lines: Record<string, JobLine>): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO openai_batch_jobs (job_id, lines) VALUES ($1, $2) ON CONFLICT (job_id) DO NOTHING`,
    [jobId, JSON.stringify(lines)],
  );
  return rowCount === 1;
}
