import type { Queryable } from '../../shared/postgres';

/** Blocks the limiter for `ms` from now (never shortens a longer block). */
export async function blockProvider(db: Queryable, limiter: string, ms: number): Promise<void> {
  await db.query({
    name: 'discovery-provider-block',
    text: `INSERT INTO discovery_provider_limits AS l (limiter, next_slot, blocked_until)
           VALUES ($1, clock_timestamp(), clock_timestamp() + make_interval(secs => $2 / 1000.0))
           ON CONFLICT (limiter) DO UPDATE
              SET blocked_until = greatest(coalesce(l.blocked_until, '-infinity'), EXCLUDED.blocked_until)`,
  }, [limiter, ms]);
}
