import type { Queryable } from '../../shared/postgres';

export async function markBatchJobApplied(db: Queryable, jobId: string): Promise<void> {
  await db.query(`UPDATE openai_batch_jobs SET status = 'applied', applied_at = now(), updated_at = now() WHERE job_id = $1`, [jobId]);
}
