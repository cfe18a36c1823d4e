import type { Queryable } from '../../shared/postgres';

/** Records the seq now in Firestore (does not bump seq: it is not a change of the batch). */
export async function markBatchMirrored(db: Queryable, batchId: string, seq: number): Promise<void> {
  await db.query('UPDATE generation_batches SET mirrored_seq = greatest(mirrored_seq, $2) WHERE batch_id = $1', [batchId, seq]);
}
