import type { Queryable } from '../../shared/postgres';

export type GenerationHour = {
  hour: Date; outcome: string; attempts: number; modelCalls: number; tokensIn: number; tokensOut: number; p50Ms: number | null; p95Ms: number | null;
};

// Rolled hours before the watermark (generation_hourly's primary key), raw attempts after it
// (generation_attempts_finished_idx): one statement, so both halves see the same watermark.
const SQL = `
WITH mark AS (
  SELECT coalesce((SELECT rolled_until FROM admin_rollups WHERE name = 'generation_hourly'), '-infinity') AS rolled_until
)
SELECT h.hour, h.outcome, h.attempts, h.model_calls, h.tokens_in, h.tokens_out, h.p50_ms, h.p95_ms
  FROM mark JOIN generation_hourly h ON h.hour >= $1 AND h.hour < mark.rolled_until
UNION ALL
SELECT date_trunc('hour', a.finished_at), a.outcome, count(*)::int, sum(a.model_calls)::int, sum(a.tokens_in), sum(a.tokens_out),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.finished_at - a.started_at) * 1000) FILTER (WHERE a.outcome = 'done'),
       percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM a.finished_at - a.started_at) * 1000) FILTER (WHERE a.outcome = 'done')
  FROM mark JOIN generation_attempts a ON a.finished_at >= greatest($1, mark.rolled_until)
 GROUP BY 1, 2
 ORDER BY 1, 2`;

export const READ_GENERATION_HOURS_SQL = SQL;

export async function readGenerationHours(db: Queryable, since: Date): Promise<GenerationHour[]> {
  const { rows } = await db.query<{
    hour: Date; outcome: string; attempts: number; model_calls: number; tokens_in: string; tokens_out: string; p50_ms: number | null; p95_ms: number | null;
  }>(SQL, [since]);
  return rows.map((r) => ({
    hour: r.hour, outcome: r.outcome, attempts: Number(r.attempts), modelCalls: Number(r.model_calls), tokensIn: Number(r.tokens_in), tokensOut: Number(r.tokens_out),
    p50Ms: r.p50_ms === null ? null : Math.round(r.p50_ms), p95Ms: r.p95_ms === null ? null : Math.round(r.p95_ms),
  }));
}
