import type { Queryable } from '../../shared/postgres';
import type { Quotas } from '../quotas';
import type { GenerationStatus } from './types';

export type UpsertGenerationRequestInput = {
  requestKey: string;
  poolKey: string;
  params: unknown;
  targetCount: number;
  maxAttempts: number;
  uid: string;
  quotas: Quotas;
  /** Model work (the default): checked against the token quotas. Free (offline) work only counts as a request. */
  paid?: boolean;
};

export type UpsertGenerationRequestResult =
  | {
      outcome: 'accepted';
      created: boolean;
      newRequester: boolean;
      status: GenerationStatus;
      /** The creator owns the first enqueue; this is its counter value. */
      enqueueCount: number;
      enqueuedAt: Date | null;
      finishedAt: Date | null;
    }
  | { outcome: 'over-quota' };

// One round trip for every common case: a known requester asking again, a new requester joining,
// and new work. New work is charged to the caller's daily allowance, and only if the allowance has
// room and, for model work ($10), the caller's token quota and the global token budget too (a spent
// budget stops model work only: free facts pools keep being accepted); a duplicate of existing work
// is charged nothing. The requester is recorded for status reads. For a known requester every
// write below is filtered out before it is attempted, so the statement writes nothing.
const SQL = `
WITH known AS (
  SELECT 1 FROM generation_requesters WHERE request_key = $1 AND uid = $6
), existing AS (
  SELECT status, enqueue_count, enqueued_at, finished_at FROM generation_requests WHERE request_key = $1
), allowance AS (
  INSERT INTO usage_daily (day, subject, requests)
  SELECT (now() AT TIME ZONE 'utc')::date, 'user:' || $6, 1
   WHERE NOT EXISTS (SELECT 1 FROM existing)
     AND (NOT $10::boolean OR coalesce((SELECT tokens FROM usage_daily WHERE day = (now() AT TIME ZONE 'utc')::date AND subject = 'user:' || $6), 0) < $8)
     AND (NOT $10::boolean OR coalesce((SELECT tokens FROM usage_daily WHERE day = (now() AT TIME ZONE 'utc')::date AND subject = 'global'), 0) < $9)
     AND $7 > 0
  ON CONFLICT (day, subject) DO UPDATE SET requests = usage_daily.requests + 1
   WHERE usage_daily.requests < $7
  RETURNING 1
), inserted AS (
  INSERT INTO generation_requests (request_key, pool_key, params, target_count, max_attempts, requested_by, enqueue_count, enqueued_at)
  SELECT $1, $2, $3, $4, $5, $6, 1, now()
   WHERE EXISTS (SELECT 1 FROM allowance)
  ON CONFLICT (request_key) DO NOTHING
  RETURNING status, enqueue_count, enqueued_at, finished_at
), requester AS (
  INSERT INTO generation_requesters (request_key, uid)
  SELECT $1, $6 WHERE NOT EXISTS (SELECT 1 FROM known) AND (EXISTS (SELECT 1 FROM inserted) OR EXISTS (SELECT 1 FROM existing))
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT (i.status IS NOT NULL) AS created,
       EXISTS (SELECT 1 FROM allowance) AS charged,
       EXISTS (SELECT 1 FROM requester) AS new_requester,
       coalesce(i.status, e.status) AS status,
       coalesce(i.enqueue_count, e.enqueue_count) AS enqueue_count,
       CASE WHEN i.status IS NOT NULL THEN i.enqueued_at ELSE e.enqueued_at END AS enqueued_at,
       CASE WHEN i.status IS NOT NULL THEN i.finished_at ELSE e.finished_at END AS finished_at
FROM (SELECT 1) AS one
LEFT JOIN inserted i ON true
LEFT JOIN existing e ON true
`;

type Row = {
  created: boolean;
  charged: boolean;
  new_requester: boolean;
  status: GenerationStatus | null;
  enqueue_count: number | null;
  enqueued_at: Date | null;
  finished_at: Date | null;
};

export async function upsertGenerationRequest(db: Queryable, input: UpsertGenerationRequestInput): Promise<UpsertGenerationRequestResult> {
  const { quotas } = input;
  const { rows } = await db.query<Row>({ name: 'generation-request-upsert', text: SQL }, [
    input.requestKey, input.poolKey, JSON.stringify(input.params), input.targetCount, input.maxAttempts, input.uid,
    quotas.userDailyRequests, quotas.userDailyTokens, quotas.globalDailyTokens, input.paid ?? true,
  ]);
  const row = rows[0]!;
  if (row.status !== null && row.enqueue_count !== null) {
    return {
      outcome: 'accepted', created: row.created, newRequester: row.new_requester, status: row.status,
      enqueueCount: row.enqueue_count, enqueuedAt: row.enqueued_at, finishedAt: row.finished_at,
    };
  }
  // Neither inserted nor seen. Either a concurrent insert committed after this statement's
  // snapshot (ON CONFLICT saw it, the join could not) — then it is a duplicate and free — or the
  // caller is over quota.
  if (row.charged) {
    await db.query(
      `UPDATE usage_daily SET requests = requests - 1 WHERE day = (now() AT TIME ZONE 'utc')::date AND subject = 'user:' || $1 AND requests > 0`,
      [input.uid],
    );
  }
  const reread = await db.query<{ status: GenerationStatus; enqueue_count: number; enqueued_at: Date | null; finished_at: Date | null; new_requester: boolean }>(
    `WITH requester AS (
       INSERT INTO generation_requesters (request_key, uid)
       SELECT $1, $2 WHERE EXISTS (SELECT 1 FROM generation_requests WHERE request_key = $1)
       ON CONFLICT DO NOTHING RETURNING 1
     )
     SELECT status, enqueue_count, enqueued_at, finished_at, EXISTS (SELECT 1 FROM requester) AS new_requester
       FROM generation_requests WHERE request_key = $1`,
    [input.requestKey, input.uid],
  );
  const existing = reread.rows[0];
  if (!existing) return { outcome: 'over-quota' };
  return {
    outcome: 'accepted', created: false, newRequester: existing.new_requester, status: existing.status,
    enqueueCount: existing.enqueue_count, enqueuedAt: existing.enqueued_at, finishedAt: existing.finished_at,
  };
}
