import type { Queryable } from '../../shared/postgres';

/** Deletes up to `limit` daily quota counters of UTC days more than `days` ago. Returns how many went. */
export async function purgeUsageDaily(db: Queryable, days: number, limit: number): Promise<number> {
  // Bounded batches keep each statement short (no long lock, no huge WAL burst).
  const { rowCount } = await db.query(
    `DELETE FROM usage_daily WHERE ctid = ANY (ARRAY(SELECT ctid FROM usage_daily WHERE day < (now() AT TIME ZONE 'utc')::date - $1::int LIMIT $2))`,
    [days, limit],
  );
  return rowCount ?? 0;
}
