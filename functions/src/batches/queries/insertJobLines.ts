import type { Queryable } from '../../shared/postgres';

export type JobLine = { customId: string; requestKey: string; count: number };

/** The lines a job sends, recorded before the upload (one row each; no outcome yet). */
export async function insertJobLines(db: Queryable, jobId: string, lines: readonly JobLine[]): Promise<void> {
  await db.query(
    `INSERT INTO openai_batch_lines (job_id, custom_id, request_key, count)
     SELECT $1, * FROM unnest($2::text[], $3::text[], $4::int[]) ON CONFLICT DO NOTHING`,
    [jobId, lines.map((l) => l.customId), lines.map((l) => l.requestKey), lines.map((l) => l.count)],
  );
}
