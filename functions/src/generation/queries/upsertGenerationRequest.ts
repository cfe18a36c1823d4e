import type { Queryable } from '../../shared/postgres';
import type { GenerationStatus } from './types';

export type UpsertGenerationRequestInput = {
  requestKey: string;
  poolKey: string;
  params: unknown;
  targetCount: number;
  maxAttempts: number;
  uid: string;
};

export type UpsertGenerationRequestResult = {
  created: boolean;
  newRequester: boolean;
  status: GenerationStatus;
  /** The creator owns the first enqueue; this is its counter value. */
  enqueueCount: number;
  enqueuedAt: Date | null;
};

// One round trip: insert the request if new (the creator claims enqueue #1), record the requester,
// and report the row's state. A duplicate costs one index probe and no row lock.
const SQL = `
WITH inserted AS (
  INSERT INTO generation_requests (request_key, pool_key, params, target_count, max_attempts, requested_by, enqueue_count, enqueued_at)
  VALUES ($1, $2, $3, $4, $5, $6, 1, now())
  ON CONFLICT (request_key) DO NOTHING
  RETURNING status, enqueue_count, enqueued_at
), requester AS (
  INSERT INTO generation_requesters (request_key, uid)
  VALUES ($1, $6)
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT (i.status IS NOT NULL) AS created,
       EXISTS (SELECT 1 FROM requester) AS new_requester,
       coalesce(i.status, e.status) AS status,
       coalesce(i.enqueue_count, e.enqueue_count) AS enqueue_count,
       CASE WHEN i.status IS NOT NULL THEN i.enqueued_at ELSE e.enqueued_at END AS enqueued_at
FROM (SELECT 1) AS one
LEFT JOIN inserted i ON true
LEFT JOIN generation_requests e ON e.request_key = $1
`;

const READ_SQL = `SELECT status, enqueue_count, enqueued_at FROM generation_requests WHERE request_key = $1`;

type Row = { created: boolean; new_requester: boolean; status: GenerationStatus | null; enqueue_count: number | null; enqueued_at: Date | null };

export async function upsertGenerationRequest(db: Queryable, input: UpsertGenerationRequestInput): Promise<UpsertGenerationRequestResult> {
  const { rows } = await db.query<Row>(SQL, [input.requestKey, input.poolKey, JSON.stringify(input.params), input.targetCount, input.maxAttempts, input.uid]);
  const row = rows[0]!;
  if (row.status !== null && row.enqueue_count !== null) {
    return { created: row.created, newRequester: row.new_requester, status: row.status, enqueueCount: row.enqueue_count, enqueuedAt: row.enqueued_at };
  }
  // A concurrent insert committed after this statement's snapshot: ON CONFLICT saw the row, the
  // join could not. A new statement sees it.
  const reread = await db.query<{ status: GenerationStatus; enqueue_count: number; enqueued_at: Date | null }>(READ_SQL, [input.requestKey]);
  const existing = reread.rows[0];
  if (!existing) throw new Error(`generation request ${input.requestKey} vanished during upsert`);
  return { created: false, newRequester: row.new_requester, status: existing.status, enqueueCount: existing.enqueue_count, enqueuedAt: existing.enqueued_at };
}
