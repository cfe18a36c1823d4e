import type { Queryable } from '../../shared/postgres';
import { DEFAULT_TOKENS_PER_QUESTION, UNLIMITED_IN_FLIGHT, type Quotas } from '../quotas';
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
      /** Recorded as a requester by an earlier call whose Firestore write never confirmed (and whose lease lapsed): write it again. */
      repairRequester?: boolean;
      /** A known requester whose documents Firestore confirmed (false while another call is still writing them). */
      knownMirrored?: boolean;
      status: GenerationStatus;
      /** The creator owns the first enqueue; this is its counter value. */
      enqueueCount: number;
      enqueuedAt: Date | null;
      finishedAt: Date | null;
      /** The target of the pool's work after this call (never below the caller's). */
      targetCount: number;
      /** This call raised the target of work in flight, or reopened done work for the delta (the caller enqueues it). */
      raised?: 'raised' | 'reopened';
      /** Work carried forward by a migration, whose status document does not exist yet: a new requester creates it. */
      statusUnmirrored?: boolean;
    }
  | { outcome: 'over-quota'; limit: ChargeRefusal };

/** Which of the caller's limits refused new work (generation_charge). */
export type ChargeRefusal = 'requests' | 'user-tokens' | 'global-tokens' | 'in-flight';

// One round trip for every common case: a known requester asking again, a new requester joining,
// and new work. New work is charged to the caller's daily allowance, and only if the allowance has
// room and, for model work ($10), its reservation — target × the measured tokens per question —
// fits under the caller's token quota and the global token budget, counting spent and reserved
// tokens, and the caller has fewer than $12 paid requests in flight (a spent budget stops model work
// only: free facts pools keep being accepted). generation_charge (migration 1732300000000) locks
// the day's rows, so concurrent accepts cannot all see the same headroom. A duplicate of existing
// work is charged nothing and reads no estimate. The requester is recorded for status reads. For a
// known requester every write below is filtered out before it is attempted, so the statement
// writes nothing.
// The pool is the unit of work (request_key hashes the pool only): a caller asking for more than
// the work's target raises it through generation_raise (migration 1732370000000), which charges
// the delta under the row's lock; asking for less or as much joins. A raise refused by a quota
// records nothing.
const SQL = `
WITH known AS (
  SELECT mirrored FROM generation_requesters WHERE request_key = $1 AND uid = $6
), repair AS (
  -- An unmirrored requester whose writer's lease lapsed (or was released): this call repairs it.
  UPDATE generation_requesters SET mirroring_until = now() + interval '30 seconds'
   WHERE request_key = $1 AND uid = $6 AND NOT mirrored AND (mirroring_until IS NULL OR mirroring_until < now())
     AND EXISTS (SELECT 1 FROM known WHERE NOT mirrored)
  RETURNING 1
), existing AS (
  SELECT status, enqueue_count, enqueued_at, finished_at, target_count, status_mirrored FROM generation_requests WHERE request_key = $1
), raise AS (
  SELECT g.outcome, g.status, g.target_count, g.enqueue_count, g.enqueued_at
    FROM (SELECT 1 FROM existing WHERE target_count < $4 AND status IN ('pending', 'running', 'done')) AS gate,
         LATERAL generation_raise($1, $6, $4, $10, $7, $8, $9, $11, $13) AS g
), refused_raise AS (
  SELECT outcome FROM raise WHERE outcome NOT IN ('raised', 'reopened', 'joined')
), estimate AS (
  SELECT CASE WHEN $10::boolean AND $13::boolean
              THEN ceil($4 * coalesce((SELECT tokens_per_question FROM generation_token_estimate), $11::double precision))::bigint
              ELSE 0::bigint END AS tokens
), charge AS (
  SELECT c.outcome
    FROM (SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM existing)) AS gate,
         LATERAL generation_charge($6, $10, $7, $8, $9, (SELECT tokens FROM estimate), $12) AS c(outcome)
), allowance AS (
  SELECT 1 FROM charge WHERE outcome = 'ok'
), inserted AS (
  INSERT INTO generation_requests (request_key, pool_key, params, target_count, max_attempts, requested_by, enqueue_count, enqueued_at, reserved_tokens, reserved_day)
  SELECT $1, $2, $3, $4, $5, $6, 1, now(), (SELECT tokens FROM estimate), CASE WHEN $10::boolean THEN (now() AT TIME ZONE 'utc')::date END
   WHERE EXISTS (SELECT 1 FROM allowance)
  ON CONFLICT (request_key) DO NOTHING
  RETURNING status, enqueue_count, enqueued_at, finished_at
), requester AS (
  INSERT INTO generation_requesters (request_key, uid, mirroring_until)
  SELECT $1, $6, now() + interval '30 seconds' WHERE NOT EXISTS (SELECT 1 FROM known) AND NOT EXISTS (SELECT 1 FROM refused_raise)
     AND (EXISTS (SELECT 1 FROM inserted) OR EXISTS (SELECT 1 FROM existing))
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT (i.status IS NOT NULL) AS created,
       EXISTS (SELECT 1 FROM allowance) AS charged,
       coalesce((SELECT outcome FROM refused_raise), (SELECT outcome FROM charge)) AS refused_by,
       (SELECT outcome FROM raise WHERE outcome IN ('raised', 'reopened')) AS raised,
       coalesce((SELECT target_count FROM raise), CASE WHEN i.status IS NOT NULL THEN $4 END, e.target_count) AS target_count,
       NOT coalesce(e.status_mirrored, true) AS status_unmirrored,
       CASE WHEN EXISTS (SELECT 1 FROM allowance) THEN (SELECT tokens FROM estimate) ELSE 0 END AS reserved,
       EXISTS (SELECT 1 FROM requester) AS new_requester,
       EXISTS (SELECT 1 FROM repair) AS repair_requester,
       coalesce((SELECT mirrored FROM known), false) AS known_mirrored,
       CASE WHEN EXISTS (SELECT 1 FROM refused_raise) THEN NULL ELSE coalesce((SELECT status FROM raise), i.status, e.status) END AS status,
       coalesce((SELECT enqueue_count FROM raise), i.enqueue_count, e.enqueue_count) AS enqueue_count,
       CASE WHEN i.status IS NOT NULL THEN i.enqueued_at WHEN EXISTS (SELECT 1 FROM raise) THEN (SELECT enqueued_at FROM raise) ELSE e.enqueued_at END AS enqueued_at,
       CASE WHEN i.status IS NOT NULL THEN i.finished_at ELSE e.finished_at END AS finished_at
FROM (SELECT 1) AS one
LEFT JOIN inserted i ON true
LEFT JOIN existing e ON true
`;

type Row = {
  created: boolean;
  charged: boolean;
  refused_by: ChargeRefusal | 'ok' | null;
  raised: 'raised' | 'reopened' | null;
  target_count: number | null;
  status_unmirrored: boolean;
  reserved: string;
  new_requester: boolean;
  repair_requester: boolean;
  known_mirrored: boolean;
  status: GenerationStatus | null;
  enqueue_count: number | null;
  enqueued_at: Date | null;
  finished_at: Date | null;
};

// A requester this instance has seen complete an accept: a plain indexed read, no insert attempt,
// and only what the accept needs back (no timestamps to parse).
const KNOWN_SQL = {
  name: 'generation-request-known-requester',
  text: `SELECT r.status, r.enqueued_at IS NULL AS unqueued, r.target_count AS "targetCount"
           FROM generation_requests r
           JOIN generation_requesters q ON q.request_key = r.request_key AND q.uid = $2 AND q.mirrored
          WHERE r.request_key = $1`,
};

export type KnownRequest = { status: GenerationStatus; unqueued: boolean; targetCount: number };

/** The request as `uid`, already its requester, sees it; undefined if either is gone. */
export async function readKnownRequest(db: Queryable, requestKey: string, uid: string): Promise<KnownRequest | undefined> {
  const { rows } = await db.query<KnownRequest>(KNOWN_SQL, [requestKey, uid]);
  return rows[0];
}

export async function upsertGenerationRequest(db: Queryable, input: UpsertGenerationRequestInput): Promise<UpsertGenerationRequestResult> {
  const first = await runUpsert(db, input);
  // A row seen (joined, raised, or a raise refused by a quota) is the whole answer.
  if (first.status !== null || first.target_count !== null) return resultOf(first);
  // Neither inserted nor seen. Either a concurrent insert committed after this statement's
  // snapshot (ON CONFLICT saw it, the join could not) or the caller is over quota. Give back any
  // charge (two statements rather than one touching the same row twice: a rare race), then run
  // again: a row visible now is joined (free), or raised if the caller asked for more.
  if (first.charged) {
    await db.query(
      `UPDATE usage_daily SET requests = requests - 1 WHERE day = (now() AT TIME ZONE 'utc')::date AND subject = 'user:' || $1 AND requests > 0`,
      [input.uid],
    );
    if (input.paid ?? true) await db.query(`SELECT generation_release($1, (now() AT TIME ZONE 'utc')::date, $2)`, [input.uid, first.reserved]);
  }
  return resultOf(await runUpsert(db, input));
}

async function runUpsert(db: Queryable, input: UpsertGenerationRequestInput): Promise<Row & { reserved: string }> {
  const { quotas } = input;
  const { rows } = await db.query<Row>({ name: 'generation-request-upsert', text: SQL }, [
    input.requestKey, input.poolKey, JSON.stringify(input.params), input.targetCount, input.maxAttempts, input.uid,
    quotas.userDailyRequests, quotas.userDailyTokens, quotas.globalDailyTokens, input.paid ?? true,
    quotas.tokensPerQuestion ?? DEFAULT_TOKENS_PER_QUESTION, quotas.userPaidInFlight ?? UNLIMITED_IN_FLIGHT, quotas.reserve ?? true,
  ]);
  return rows[0]!;
}

function resultOf(row: Row): UpsertGenerationRequestResult {
  if (row.status === null || row.enqueue_count === null || row.target_count === null) {
    return { outcome: 'over-quota', limit: row.refused_by === 'ok' || row.refused_by === null ? 'requests' : row.refused_by };
  }
  return {
    outcome: 'accepted', created: row.created, newRequester: row.new_requester, repairRequester: row.repair_requester, knownMirrored: row.known_mirrored, status: row.status,
    enqueueCount: row.enqueue_count, enqueuedAt: row.enqueued_at, finishedAt: row.finished_at, targetCount: row.target_count,
    ...(row.raised ? { raised: row.raised } : {}), ...(row.status_unmirrored ? { statusUnmirrored: true } : {}),
  };
}
