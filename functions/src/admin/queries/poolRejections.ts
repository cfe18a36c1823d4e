import type { Queryable } from '../../shared/postgres';

/**
 * Candidates turned away by reason (quality gate, item linter, verifier), summed over every request
 * of each pool: each candidate was judged once, by the request that paid for it.
 */
export async function poolRejections(db: Queryable, poolKeys: readonly string[]): Promise<Map<string, Record<string, number>>> {
  const byPool = new Map<string, Record<string, number>>();
  if (poolKeys.length === 0) return byPool;
  const { rows } = await db.query<{ pool_key: string; reason: string; n: number }>(
    `SELECT r.pool_key, e.key AS reason, sum(e.value::int)::int AS n
       FROM generation_requests r
      CROSS JOIN LATERAL jsonb_each_text(CASE WHEN jsonb_typeof(r.result->'rejected') = 'object' THEN r.result->'rejected' ELSE '{}'::jsonb END) AS e
      WHERE r.pool_key = ANY($1::text[])
      GROUP BY r.pool_key, e.key`,
    [poolKeys],
  );
  for (const row of rows) byPool.set(row.pool_key, { ...byPool.get(row.pool_key), [row.reason]: row.n });
  return byPool;
}
