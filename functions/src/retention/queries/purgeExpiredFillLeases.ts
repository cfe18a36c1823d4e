import type { Queryable } from '../../shared/postgres';

/** Deletes discovery fill leases that expired (their holder died) more than a minute ago. */
export async function purgeExpiredFillLeases(db: Queryable, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM discovery_fill_leases WHERE ctid = ANY (ARRAY(SELECT ctid FROM discovery_fill_leases WHERE expires_at < now() - interval '1 minute' LIMIT $1))`,
    [limit],
  );
  return rowCount ?? 0;
}
