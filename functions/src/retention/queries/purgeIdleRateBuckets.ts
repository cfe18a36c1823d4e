import type { Queryable } from '../../shared/postgres';

/** Deletes up to `limit` rate buckets unused for `minutes` (they would be full again anyway). */
export async function purgeIdleRateBuckets(db: Queryable, minutes: number, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM rate_buckets WHERE ctid = ANY (ARRAY(SELECT ctid FROM rate_buckets WHERE updated_at < now() - make_interval(mins => $1) LIMIT $2))`,
    [minutes, limit],
  );
  return rowCount ?? 0;
}
