import type { Queryable } from '../../shared/postgres';

export type OverviewCounters = {
  tokensInToday: number; tokensOutToday: number; errorsLastHour: number;
  pending: number; running: number; deferred: number; oldestPendingAt: Date | null;
  failingGenerators: Array<{ generator: string; error: string; at: Date }>;
  failingDiscovery: Array<{ provider: string; error: string; at: Date }>;
};

/** What generationStats does not already say: today's tokens split in/out, queue depth, failing providers. */
export async function overviewCounters(db: Queryable): Promise<OverviewCounters> {
  const { rows } = await db.query<{
    tokens_in: string; tokens_out: string; errors_last_hour: number; pending: number; running: number; deferred: number; oldest_pending: Date | null;
    failing_generators: Array<{ generator: string; error: string; at: string }> | null; failing_discovery: Array<{ provider: string; error: string; at: string }> | null;
  }>(
    `WITH today AS (
       SELECT coalesce(sum(tokens_in), 0) AS tokens_in, coalesce(sum(tokens_out), 0) AS tokens_out
         FROM generation_attempts WHERE finished_at >= date_trunc('day', now() AT TIME ZONE 'utc') AT TIME ZONE 'utc'
     ), recent_errors AS (
       SELECT DISTINCT ON (coalesce(r.result->>'generator', 'model')) coalesce(r.result->>'generator', 'model') AS generator, a.error, a.finished_at
         FROM generation_attempts a JOIN generation_requests r USING (request_key)
        WHERE a.finished_at > now() - interval '1 hour' AND a.error IS NOT NULL AND a.outcome IN ('retry', 'failed')
        ORDER BY coalesce(r.result->>'generator', 'model'), a.finished_at DESC
     ), work AS (
       SELECT count(*) FILTER (WHERE status = 'pending' AND (not_before IS NULL OR not_before <= now()))::int AS pending,
              count(*) FILTER (WHERE status = 'running')::int AS running,
              count(*) FILTER (WHERE status = 'pending' AND not_before > now())::int AS deferred,
              min(created_at) FILTER (WHERE status = 'pending') AS oldest_pending
         FROM generation_requests WHERE status IN ('pending', 'running')
     ), discovery AS (
       SELECT DISTINCT ON (provider) provider, last_error, last_error_at
         FROM discovery_cache WHERE last_error_at > updated_at
        ORDER BY provider, last_error_at DESC
     )
     SELECT today.tokens_in, today.tokens_out,
            (SELECT count(*)::int FROM generation_attempts WHERE finished_at > now() - interval '1 hour' AND error IS NOT NULL AND outcome IN ('retry', 'failed')) AS errors_last_hour,
            work.pending, work.running, work.deferred, work.oldest_pending,
            (SELECT json_agg(json_build_object('generator', generator, 'error', error, 'at', finished_at)) FROM recent_errors) AS failing_generators,
            (SELECT json_agg(json_build_object('provider', provider, 'error', last_error, 'at', last_error_at)) FROM discovery) AS failing_discovery
       FROM today, work`,
  );
  const r = rows[0]!;
  return {
    tokensInToday: Number(r.tokens_in), tokensOutToday: Number(r.tokens_out), errorsLastHour: r.errors_last_hour,
    pending: r.pending, running: r.running, deferred: r.deferred, oldestPendingAt: r.oldest_pending,
    failingGenerators: (r.failing_generators ?? []).map((g) => ({ ...g, at: new Date(g.at) })),
    failingDiscovery: (r.failing_discovery ?? []).map((d) => ({ ...d, at: new Date(d.at) })),
  };
}
