import type { Queryable } from '../../shared/postgres';

/** Deletes up to `limit` audit rows older than `days`. Returns how many went. */
export async function purgeAdminActions(db: Queryable, days: number, limit: number): Promise<number> {
  // Bounded batches keep each statement short (no long lock, no huge WAL burst).
  const { rowCount } = await db.query(
    `DELETE FROM admin_actions WHERE ctid = ANY (ARRAY(SELECT ctid FROM admin_actions WHERE at < now() - make_interval(days => $1) LIMIT $2))`,
    [days, limit],
  );
  return rowCount ?? 0;
}
