import { Pool, type PoolConfig, type QueryResultRow } from 'pg';

/** A named query is prepared once per connection: the hot paths skip parsing and planning. */
export type QueryText = string | { name: string; text: string };

export type Queryable = {
  query<R extends QueryResultRow = QueryResultRow>(text: QueryText, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
};

const pools = new Map<string, Pool>();

/** One pool per database URL per process; Cloud Functions instances reuse it across invocations. */
export function getPostgresPool(connectionString: string, overrides: PoolConfig = {}): Pool {
  let pool = pools.get(connectionString);
  if (!pool) {
    pool = new Pool({
      connectionString,
      max: 10,
      idleTimeoutMillis: 30_000,
      // Fail fast: a callable waiting on a dead database should answer `unavailable`, not hang.
      connectionTimeoutMillis: 5_000,
      ...overrides,
    });
    // An idle client losing its connection must not crash the instance.
    pool.on('error', () => undefined);
    pools.set(connectionString, pool);
  }
  return pool;
}
