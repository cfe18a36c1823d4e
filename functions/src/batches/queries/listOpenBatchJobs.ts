import type { Queryable } from '../../shared/postgres';

export type BatchJobRow = {
  job_id: string;
  status: string;
  openai_batch_id: string | null;
  output_file_id: string | null;
  error_file_id: string | null;
  lines: Record<string, { requestKey: string; count: number }>;
  output: Record<string, unknown> | null;
  downloaded_at: Date | null;
  downloads: number;
  created_at: Date;
};

export async function listOpenBatchJobs(db: Queryable, limit = 20): Promise<BatchJobRow[]> {
  const { rows } = await db.query<BatchJobRow>(
    `SELECT job_id, status, openai_batch_id, output_file_id, error_file_id, lines, output, downloaded_at, downloads, created_at
       FROM openai_batch_jobs WHERE status <> 'applied' ORDER BY created_at LIMIT $1`,
    [limit],
  );
  return rows;
}
