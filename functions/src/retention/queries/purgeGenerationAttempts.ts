import type { Queryable } from '../../shared/postgres';

/** Deletes up to `limit` attempt rows (monitoring history) finished more than `days` ago. Returns how many went. */
export async function purgeGenerationAttempts(db: Queryable, days: number, limit: number): Promise<number> {
  // Bounded batches keep each statement short (no long lock, no huge WAL burst).
  const { rowCount } = await db.query(
    `DELETE FROM generation_attempts WHERE ctid = ANY (ARRAY(SELECT ctid FROM generation_attempts WHERE finished_at < now() - make_interval(days => $1) LIMIT $2))`,
    [days, limit],
  );
  return rowCount ?? 0;
}
