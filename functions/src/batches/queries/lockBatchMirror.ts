import type { Queryable } from '../../shared/postgres';

/** Inside a transaction: one mirror writer per batch at a time, across all instances. */
export async function lockBatchMirror(db: Queryable, batchId: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtextextended('generation-batch-mirror:' || $1, 0))`, [batchId]);
}
