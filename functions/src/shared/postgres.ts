import { Pool, type PoolClient, type PoolConfig, type QueryResultRow } from 'pg';

/** A named query is prepared once per connection: the hot paths skip parsing and planning. */
export type QueryText = string | { name: string; text: string };

export type Queryable = {
  query<R extends QueryResultRow = QueryResultRow>(text: QueryText, values?: unknown[]): Promise<{ rows: R[]; rowCount: number | null }>;
};

const BASE_CONFIG: PoolConfig = {
  max: 10,
  idleTimeoutMillis: 30_000,
  // Fail fast: a callable waiting on a dead database should answer `unavailable`, not hang.
  connectionTimeoutMillis: 5_000,
};

const pools = new Map<string, Pool>();

function remember(key: string, create: () => Pool): Pool {
  let pool = pools.get(key);
  if (!pool) {
    pool = create();
    // An idle client losing its connection must not crash the instance.
    pool.on('error', () => undefined);
    pools.set(key, pool);
  }
  return pool;
}

/** One pool per database URL per process; Cloud Functions instances reuse it across invocations. */
export function getPostgresPool(connectionString: string, overrides: PoolConfig = {}): Pool {
  return remember(connectionString, () => new Pool({ connectionString, ...BASE_CONFIG, ...overrides }));
}

/**
 * A pool whose transport is only known after an asynchronous step (the Cloud SQL connector fetches
 * the instance's certificates first): the first checkout runs `prepare` once, merges what it returns
 * (e.g. a `stream` factory) into the pool's client config, then connects as usual. A failed prepare
 * is retried by the next checkout.
 */
export class LateConfiguredPool extends Pool {
  private ready: Promise<void> | undefined;

  constructor(config: PoolConfig, private readonly prepare: () => Promise<Partial<PoolConfig>>) {
    super(config);
  }

  private whenReady(): Promise<void> {
    this.ready ??= this.prepare().then(
      (extra) => {
        // pg-pool builds each client from `this.options`.
        Object.assign((this as unknown as { options: PoolConfig }).options, extra);
      },
      (error: unknown) => {
        this.ready = undefined;
        throw error;
      },
    );
    return this.ready;
  }

  override connect(): Promise<PoolClient>;
  override connect(callback: (err: Error | undefined, client: PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(callback?: (err: Error | undefined, client: PoolClient | undefined, done: (release?: unknown) => void) => void): Promise<PoolClient> | void {
    // pool.query() checks out through connect(callback): both forms wait for the transport.
    if (callback) {
      this.whenReady().then(
        () => super.connect(callback),
        (error: Error) => callback(error, undefined, () => undefined),
      );
      return;
    }
    return this.whenReady().then(() => super.connect());
  }
}

/** One late-configured pool per key per process (the key names the target, never a password). */
export function getLateConfiguredPool(key: string, config: PoolConfig, prepare: () => Promise<Partial<PoolConfig>>): Pool {
  return remember(key, () => new LateConfiguredPool({ ...BASE_CONFIG, ...config }, prepare));
}
