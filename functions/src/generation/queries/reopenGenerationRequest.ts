import type { Queryable } from '../../shared/postgres';
import { DEFAULT_TOKENS_PER_QUESTION, UNLIMITED_IN_FLIGHT, type Quotas } from '../quotas';
import type { ChargeRefusal } from './upsertGenerationRequest';

/** last_error of a request an admin cancelled (admin/queries/cancelGenerationRequests.ts writes it). */
export const CANCELLED_BY_ADMIN = 'cancelled by an admin';

/**
 * failed (or cancelled) → pending with fresh attempts, once the failure is older than the cooldown (an admin
 * retry passes 0). Any stored partial result is kept: it was paid for. Returns the enqueue
 * counter the caller must use, or nothing if the row is not reopenable.
 */
export async function reopenGenerationRequest(db: Queryable, requestKey: string, cooldownSeconds: number): Promise<number | undefined> {
  const { rows } = await db.query<{ enqueue_count: number }>(
    `UPDATE generation_requests
        SET status = 'pending', attempts = 0, not_before = NULL, lease_expires_at = NULL, finished_at = NULL,
            enqueue_count = enqueue_count + 1, enqueued_at = now(), updated_at = now()
      WHERE request_key = $1
        AND ((status = 'failed' AND finished_at <= now() - make_interval(secs => $2))
          -- Work cancelled with its batch is wanted again: no cooldown, nothing was wrong with it.
          OR status = 'cancelled')
      RETURNING enqueue_count`,
    [requestKey, cooldownSeconds],
  );
  return rows[0]?.enqueue_count;
}

export type UserReopen = { enqueueCount: number; targetCount: number } | { refused: ChargeRefusal } | undefined;

/**
 * A user's identical request reopening failed work (after the cooldown) or work cancelled with its
 * batch: new work, so charged and reserved like new work (generation_charge) and owned by that user
 * from now on. A request an admin cancelled stays cancelled for users (only an admin retry reopens it).
 */
export async function reopenForUser(
  db: Queryable,
  input: { requestKey: string; cooldownSeconds: number; uid: string; quotas: Quotas; paid: boolean; targetCount?: number },
): Promise<UserReopen> {
  const { quotas } = input;
  // A reopening request for more than the pool's target raises it (the pool is the unit of work).
  const { rows } = await db.query<{ outcome: ChargeRefusal | 'ok' | null; reserved: string; enqueue_count: number | null; target_count: number | null }>(
    `WITH target AS (
       SELECT greatest(target_count, coalesce($11::integer, 0)) AS target_count, target_count < coalesce($11::integer, 0) AS raised FROM generation_requests
        WHERE request_key = $1
          AND ((status = 'failed' AND finished_at <= now() - make_interval(secs => $2)
                AND coalesce(last_error, '') NOT LIKE $10 || '%')
            OR status = 'cancelled')
     ), estimate AS (
       SELECT CASE WHEN $4::boolean THEN ceil(t.target_count * coalesce((SELECT tokens_per_question FROM generation_token_estimate), $8::double precision))::bigint
                   ELSE 0::bigint END AS tokens
         FROM target t
     ), charge AS (
       SELECT c.outcome FROM target, LATERAL generation_charge($3, $4, $5, $6, $7, (SELECT tokens FROM estimate), $9) AS c(outcome)
     ), reopened AS (
       UPDATE generation_requests
          SET status = 'pending', attempts = 0, not_before = NULL, lease_expires_at = NULL, finished_at = NULL,
              enqueue_count = enqueue_count + 1, enqueued_at = now(), updated_at = now(),
              requested_by = $3, reserved_tokens = (SELECT tokens FROM estimate),
              target_count = (SELECT target_count FROM target),
              result = CASE WHEN result IS NOT NULL AND (SELECT raised FROM target) THEN result || '{"complete":false,"exhausted":false}'::jsonb ELSE result END,
              reserved_day = CASE WHEN $4::boolean THEN (now() AT TIME ZONE 'utc')::date END
        WHERE request_key = $1 AND status IN ('failed', 'cancelled') AND EXISTS (SELECT 1 FROM charge WHERE outcome = 'ok')
        RETURNING enqueue_count, target_count
     )
     SELECT (SELECT outcome FROM charge) AS outcome, coalesce((SELECT tokens FROM estimate), 0) AS reserved,
            (SELECT enqueue_count FROM reopened) AS enqueue_count, (SELECT target_count FROM reopened) AS target_count`,
    [input.requestKey, input.cooldownSeconds, input.uid, input.paid, quotas.userDailyRequests, quotas.userDailyTokens, quotas.globalDailyTokens,
      quotas.tokensPerQuestion ?? DEFAULT_TOKENS_PER_QUESTION, quotas.userPaidInFlight ?? UNLIMITED_IN_FLIGHT, CANCELLED_BY_ADMIN, input.targetCount ?? null],
  );
  const row = rows[0]!;
  if (row.outcome === null) return undefined;
  if (row.outcome !== 'ok') return { refused: row.outcome };
  if (row.enqueue_count !== null) return { enqueueCount: row.enqueue_count, targetCount: row.target_count ?? 0 };
  // Someone else reopened it in the meantime: give the charge back.
  await db.query(`UPDATE usage_daily SET requests = requests - 1 WHERE day = (now() AT TIME ZONE 'utc')::date AND subject = 'user:' || $1 AND requests > 0`, [input.uid]);
  if (input.paid) await db.query(`SELECT generation_release($1, (now() AT TIME ZONE 'utc')::date, $2)`, [input.uid, row.reserved]);
  return undefined;
}
