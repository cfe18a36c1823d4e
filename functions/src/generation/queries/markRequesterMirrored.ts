import type { Queryable } from '../../shared/postgres';

/** The requester's Firestore document is written: later calls of this requester skip the write. */
export async function markRequesterMirrored(db: Queryable, requestKey: string, uid: string): Promise<void> {
  await db.query(
    { name: 'generation-requester-mirrored', text: 'UPDATE generation_requesters SET mirrored = true WHERE request_key = $1 AND uid = $2 AND NOT mirrored' },
    [requestKey, uid],
  );
}
