import type { Queryable } from '../../shared/postgres';

export type PoolSummaryRow = { poolKey: string; params: Record<string, unknown>; generator: string | null; lastWriteAt: string | null; requests: number };

/** Pools as Postgres knows them (every pool was written by a request); ordered by key for paging. */
export async function listPools(db: Queryable, input: { prefix?: string; after?: string; limit: number }): Promise<PoolSummaryRow[]> {
  const { rows } = await db.query<{ pool_key: string; params: Record<string, unknown>; generator: string | null; last_write: Date | null; requests: number }>(
    `SELECT pool_key,
            (array_agg(params ORDER BY created_at DESC))[1] AS params,
            (array_agg(result->>'generator' ORDER BY finished_at DESC NULLS LAST) FILTER (WHERE result IS NOT NULL))[1] AS generator,
            max(finished_at) FILTER (WHERE status = 'done') AS last_write,
            count(*)::int AS requests
       FROM generation_requests
      WHERE ($1::text IS NULL OR pool_key LIKE $1 ESCAPE '\\')
        AND ($2::text IS NULL OR pool_key > $2)
      GROUP BY pool_key
      ORDER BY pool_key
      LIMIT $3`,
    [input.prefix ? `${input.prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null, input.after ?? null, input.limit],
  );
  return rows.map((r) => ({ poolKey: r.pool_key, params: r.params, generator: r.generator, lastWriteAt: r.last_write?.toISOString() ?? null, requests: r.requests }));
}
