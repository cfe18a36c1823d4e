import type { Firestore } from 'firebase-admin/firestore';
import type { Queryable } from '../shared/postgres';
import { enqueueOwned } from './acceptGenerationRequest';
import { failExhaustedRequests } from './queries/failExhaustedRequests';
import { rescueStaleRequests } from './queries/rescueStaleRequests';
import { publicError } from './publicErrors';
import { mirrorStatus } from './statusMirror';
import type { GenerationTaskQueue } from './taskQueue';

export type SweepDeps = { db: Queryable; firestore: Firestore; queue: GenerationTaskQueue; leaseSeconds: number; onTransition?: (requestKey: string) => Promise<void> };

/** No row stays running past its lease, and no pending row waits without a task. */
export async function sweepGenerationRequests(deps: SweepDeps, limit = 500): Promise<{ requeued: number; reoffered: number; failed: number; enqueueErrors: number }> {
  const failed = await failExhaustedRequests(deps.db);
  await Promise.all(failed.map((key) => mirrorStatus(deps.firestore, key, { status: 'failed', ...publicError('attempts-exhausted') }).catch(() => undefined)));
  await Promise.all(failed.map((key) => deps.onTransition?.(key).catch(() => undefined)));
  const stale = await rescueStaleRequests(deps.db, deps.leaseSeconds, limit);
  const results = await Promise.allSettled(stale.map((row) => enqueueOwned(deps, row.request_key, row.enqueue_count)));
  return {
    requeued: stale.filter((row) => row.fresh).length,
    reoffered: stale.filter((row) => !row.fresh).length,
    failed: failed.length,
    enqueueErrors: results.filter((r) => r.status === 'rejected').length,
  };
}
