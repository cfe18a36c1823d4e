import type { Queryable } from '../../shared/postgres';

// One sample per minute (the last publish of the minute wins); samples past the horizon are dropped
// by the same statement, through the primary key.
const RECORD_SQL = `
WITH old AS (
  DELETE FROM queue_depth_samples WHERE at < now() - make_interval(days => $4)
)
INSERT INTO queue_depth_samples (at, pending, running, deferred) VALUES (date_trunc('minute', now()), $1, $2, $3)
ON CONFLICT (at) DO UPDATE SET pending = EXCLUDED.pending, running = EXCLUDED.running, deferred = EXCLUDED.deferred`;

export async function recordQueueDepthSample(db: Queryable, sample: { pending: number; running: number; deferred: number }, horizonDays: number): Promise<void> {
  await db.query(RECORD_SQL, [sample.pending, sample.running, sample.deferred, horizonDays]);
}

export const READ_QUEUE_DEPTH_SQL = `SELECT at, pending, running, deferred FROM queue_depth_samples WHERE at >= $1 ORDER BY at`;

export async function readQueueDepth(db: Queryable, since: Date): Promise<Array<{ at: Date; pending: number; running: number; deferred: number }>> {
  const { rows } = await db.query<{ at: Date; pending: number; running: number; deferred: number }>(READ_QUEUE_DEPTH_SQL, [since]);
  return rows;
}
