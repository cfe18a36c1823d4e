import type { Queryable } from '../../shared/postgres';

export type LineOutcome = {
  questions: unknown[];
  usage: { tokensIn: number; tokensOut: number; cachedTokensIn: number };
  failed: boolean;
  /** A verify line: which of the request's first-look calls it was, and its verdicts. */
  index?: number;
  verdicts?: Array<{ id: number; answer: number; defect: 'none' | 'ambiguous' | 'time-sensitive' | 'unverifiable' }>;
};

/** Some downloaded lines, parsed: each line's outcome is stored once (a download resumed after a crash changes nothing). */
export async function storeLineOutcomes(db: Queryable, jobId: string, outcomes: ReadonlyArray<{ customId: string; outcome: LineOutcome }>): Promise<void> {
  if (outcomes.length === 0) return;
  await db.query(
    `UPDATE openai_batch_lines l SET outcome = v.outcome
       FROM unnest($2::text[], $3::jsonb[]) AS v(custom_id, outcome)
      WHERE l.job_id = $1 AND l.custom_id = v.custom_id AND l.outcome IS NULL`,
    [jobId, outcomes.map((o) => o.customId), outcomes.map((o) => JSON.stringify(o.outcome))],
  );
}

/** Both files read to the end: the job is downloaded, and nobody downloads it again. */
export async function markJobDownloaded(db: Queryable, jobId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE openai_batch_jobs SET downloaded_at = now(), downloads = downloads + 1, updated_at = now()
      WHERE job_id = $1 AND downloaded_at IS NULL`,
    [jobId],
  );
  return rowCount === 1;
}

/** What a request's lines brought: their outcomes (null for a line missing from both files). */
export async function lineOutcomesOfRequest(db: Queryable, jobId: string, requestKey: string): Promise<Array<LineOutcome | null>> {
  const { rows } = await db.query<{ outcome: LineOutcome | null }>(
    'SELECT outcome FROM openai_batch_lines WHERE job_id = $1 AND request_key = $2 ORDER BY custom_id',
    [jobId, requestKey],
  );
  return rows.map((r) => r.outcome);
}
