import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import type { PoolClient } from 'pg';
import { withDeadline } from '../shared/errors';
import type { Queryable } from '../shared/postgres';
import { batchesOfRequest } from './queries/batchesOfRequest';
import { getBatchRow } from './queries/getBatchRow';
import { lockBatchMirror } from './queries/lockBatchMirror';
import { markBatchMirrored } from './queries/markBatchMirrored';
import { toBatchSummary, type Pricing } from './summary';

// generation_batches/{batchId}: what the console and the CLI listen to. Postgres holds the counts;
// this copy may lag, but never runs backwards: writers take turns (an advisory lock per batch),
// each reads the row inside its turn, and a turn whose seq is already mirrored writes nothing.
export const GENERATION_BATCHES = 'generation_batches';

export type MirrorDeps = { db: Queryable & { connect(): Promise<PoolClient> }; firestore: Firestore; pricing: Pricing };

const MIRROR_WRITE_DEADLINE_MS = 10_000;

type Flight = { running: Promise<void>; again: boolean };
const flights = new Map<string, Flight>();

/**
 * Copies the batch's current Postgres row to Firestore. Calls for one batch are coalesced per
 * instance: while one write is in flight, any number of later calls cause exactly one more.
 */
export async function mirrorBatch(deps: MirrorDeps, batchId: string): Promise<void> {
  const flight = flights.get(batchId);
  if (flight) {
    flight.again = true;
    return flight.running;
  }
  const next: Flight = { again: false, running: Promise.resolve() };
  next.running = (async () => {
    try {
      do {
        next.again = false;
        await writeMirror(deps, batchId);
      } while (next.again);
    } finally {
      flights.delete(batchId);
    }
  })();
  flights.set(batchId, next);
  return next.running;
}

async function writeMirror(deps: MirrorDeps, batchId: string): Promise<void> {
  const client = await deps.db.connect();
  try {
    await client.query('BEGIN');
    await lockBatchMirror(client, batchId);
    const row = await getBatchRow(client, batchId);
    if (row && Number(row.seq) > Number(row.mirrored_seq)) {
      const seq = Number(row.seq);
      await withDeadline(
        deps.firestore.collection(GENERATION_BATCHES).doc(batchId).set({ ...toBatchSummary(row, deps.pricing), seq, updatedAt: FieldValue.serverTimestamp() }),
        MIRROR_WRITE_DEADLINE_MS,
        'the batch mirror write',
      );
      await markBatchMirrored(client, batchId, seq);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** After a request's transition: refresh the mirror of every batch counting it. */
export async function mirrorBatchesOfRequest(deps: MirrorDeps, requestKey: string): Promise<void> {
  const batchIds = await batchesOfRequest(deps.db, requestKey);
  await Promise.all(batchIds.map((batchId) => mirrorBatch(deps, batchId)));
}
