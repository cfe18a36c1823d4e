import type { Queryable } from '../../shared/postgres';

export type ModelUsage = { tokensIn: number; tokensOut: number; cachedTokensIn?: number };

/**
 * Saves output under our lease before Firestore sees it, and charges its tokens to the request,
 * the requester and the global budget in the same statement: a retry reuses what was paid for.
 * Returns the work's current target (a request for more may have raised it meanwhile), or
 * undefined if the lease is gone.
 */
export async function storeGenerationResult(
  db: Queryable,
  input: { requestKey: string; attempt: number; result: unknown; usage: ModelUsage },
): Promise<number | undefined> {
  const { rows } = await db.query<{ target_count: number | null }>(
    `WITH stored AS (
       UPDATE generation_requests
          SET result = $3, tokens_in = tokens_in + $4, tokens_out = tokens_out + $5, cached_tokens_in = cached_tokens_in + $6, updated_at = now()
        WHERE request_key = $1 AND status = 'running' AND attempts = $2
        RETURNING requested_by, target_count
     ), charged AS (
       INSERT INTO usage_daily (day, subject, tokens)
       SELECT (now() AT TIME ZONE 'utc')::date, subject, $4::bigint + $5::bigint
         FROM stored, LATERAL (VALUES ('user:' || stored.requested_by), ('global')) AS s(subject)
        WHERE $4::bigint + $5::bigint > 0
       ON CONFLICT (day, subject) DO UPDATE SET tokens = usage_daily.tokens + EXCLUDED.tokens
     )
     SELECT (SELECT target_count FROM stored) AS target_count`,
    [input.requestKey, input.attempt, JSON.stringify(input.result), input.usage.tokensIn, input.usage.tokensOut, input.usage.cachedTokensIn ?? 0],
  );
  return rows[0]?.target_count ?? undefined;
}
