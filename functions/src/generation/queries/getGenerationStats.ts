import type { Queryable } from '../../shared/postgres';

export type GenerationStats = {
  requestsByStatus: Record<string, number>;
  last24h: { attempts: number; done: number; failed: number; retried: number; deferred: number; successRate: number | null; p50DurationMs: number | null; p95DurationMs: number | null; modelCalls: number };
  tokensToday: number;
  latestErrors: Array<{ requestKey: string; attempt: number; outcome: string; error: string; at: string }>;
};

export async function getGenerationStats(db: Queryable): Promise<GenerationStats> {
  const [byStatus, attempts, tokens, errors] = await Promise.all([
    db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM generation_requests GROUP BY status`),
    db.query<{ attempts: number; done: number; failed: number; retried: number; deferred: number; p50: number | null; p95: number | null; model_calls: number }>(
      `SELECT count(*)::int AS attempts,
              count(*) FILTER (WHERE outcome = 'done')::int AS done,
              count(*) FILTER (WHERE outcome = 'failed')::int AS failed,
              count(*) FILTER (WHERE outcome = 'retry')::int AS retried,
              count(*) FILTER (WHERE outcome = 'deferred')::int AS deferred,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000) FILTER (WHERE outcome = 'done') AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000) FILTER (WHERE outcome = 'done') AS p95,
              coalesce(sum(model_calls), 0)::int AS model_calls
         FROM generation_attempts WHERE finished_at > now() - interval '24 hours'`,
    ),
    db.query<{ tokens: string }>(`SELECT coalesce(sum(tokens), 0) AS tokens FROM usage_daily WHERE day = (now() AT TIME ZONE 'utc')::date AND subject = 'global'`),
    db.query<{ request_key: string; attempt: number; outcome: string; error: string; finished_at: Date }>(
      `SELECT request_key, attempt, outcome, error, finished_at FROM generation_attempts
        WHERE error IS NOT NULL ORDER BY finished_at DESC LIMIT 10`,
    ),
  ]);
  const a = attempts.rows[0]!;
  const settled = a.done + a.failed;
  return {
    requestsByStatus: Object.fromEntries(['pending', 'running', 'done', 'failed', 'cancelled'].map((s) => [s, byStatus.rows.find((r) => r.status === s)?.n ?? 0])),
    last24h: {
      attempts: a.attempts, done: a.done, failed: a.failed, retried: a.retried, deferred: a.deferred,
      successRate: settled > 0 ? a.done / settled : null,
      p50DurationMs: a.p50 === null ? null : Math.round(a.p50),
      p95DurationMs: a.p95 === null ? null : Math.round(a.p95),
      modelCalls: a.model_calls,
    },
    tokensToday: Number(tokens.rows[0]?.tokens ?? 0),
    latestErrors: errors.rows.map((r) => ({ requestKey: r.request_key, attempt: r.attempt, outcome: r.outcome, error: r.error, at: r.finished_at.toISOString() })),
  };
}
