import type { Queryable } from '../../shared/postgres';

/** The requester's Firestore document is written: later calls of this requester skip the write. */
export async function markRequesterMirrored(db: Queryable, requestKey: string, uid: string): Promise<void> {
  await db.query(
    { name: 'generation-requester-mirrored', text: 'UPDATE generation_requesters SET mirrored = true WHERE request_key = $1 AND uid = $2 AND NOT mirrored' },
    [requestKey, uid],
  );
}

/** The call writing this requester's documents failed: the next call may repair at once. */
export async function releaseRequesterMirror(db: Queryable, requestKey: string, uid: string): Promise<void> {
  await db.query(
    { name: 'generation-requester-mirror-release', text: 'UPDATE generation_requesters SET mirroring_until = NULL WHERE request_key = $1 AND uid = $2 AND NOT mirrored' },
    [requestKey, uid],
  );
}
