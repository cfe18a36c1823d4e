import type { Queryable } from '../../shared/postgres';

/** Recomputes status/finished_at from the counters (the trigger does the same on each transition). */
export async function settleBatch(db: Queryable, batchId: string): Promise<void> {
  await db.query('SELECT generation_batch_settle($1)', [batchId]);
}
