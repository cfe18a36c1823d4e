import type { Queryable } from '../../shared/postgres';

export type ReservedSlot = { waitMs: number; blockedForMs: number };

/**
 * Reserves the limiter's next request slot, `intervalMs` after the previous one (Postgres' clock,
 * so instances agree), unless it is blocked: then nothing is reserved and `blockedForMs` says for
 * how long. One statement; the row lock serializes callers for microseconds.
 */
export async function reserveProviderSlot(db: Queryable, limiter: string, intervalMs: number): Promise<ReservedSlot> {
  const { rows } = await db.query<{ wait_ms: string; blocked_ms: string }>({
    name: 'discovery-provider-slot',
    text: `INSERT INTO discovery_provider_limits AS l (limiter, next_slot)
           VALUES ($1, clock_timestamp() + make_interval(secs => $2 / 1000.0))
           ON CONFLICT (limiter) DO UPDATE
              SET next_slot = CASE WHEN l.blocked_until > clock_timestamp() THEN l.next_slot
                                   ELSE greatest(l.next_slot, clock_timestamp()) + make_interval(secs => $2 / 1000.0) END
           RETURNING greatest(0, extract(epoch FROM (next_slot - clock_timestamp())) * 1000 - $2) AS wait_ms,
                     greatest(0, coalesce(extract(epoch FROM (blocked_until - clock_timestamp())) * 1000, 0)) AS blocked_ms`,
  }, [limiter, intervalMs]);
  return { waitMs: Number(rows[0]!.wait_ms), blockedForMs: Number(rows[0]!.blocked_ms) };
}
