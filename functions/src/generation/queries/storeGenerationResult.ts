import type { Queryable } from '../../shared/postgres';

export type ModelUsage = { tokensIn: number; tokensOut: number; cachedTokensIn?: number };

/**
 * Saves output under our lease before Firestore sees it, and charges its tokens to the request,
 * the requester and the global budget in the same statement: a retry reuses what was paid for.
 */
export async function storeGenerationResult(
  db: Queryable,
  input: { requestKey: string; attempt: number; result: unknown; usage: ModelUsage },
): Promise<boolean> {
  const { rows } = await db.query<{ stored: boolean }>(
    `WITH stored AS (
       UPDATE generation_requests
          SET result = $3, tokens_in = tokens_in + $4, tokens_out = tokens_out + $5, cached_tokens_in = cached_tokens_in + $6, updated_at = now()
        WHERE request_key = $1 AND status = 'running' AND attempts = $2
        RETURNING requested_by
     ), charged AS (
       INSERT INTO usage_daily (day, subject, tokens)
       SELECT (now() AT TIME ZONE 'utc')::date, subject, $4::bigint + $5::bigint
         FROM stored, LATERAL (VALUES ('user:' || stored.requested_by), ('global')) AS s(subject)
        WHERE $4::bigint + $5::bigint > 0
       ON CONFLICT (day, subject) DO UPDATE SET tokens = usage_daily.tokens + EXCLUDED.tokens
     )
     SELECT EXISTS (SELECT 1 FROM stored) AS stored`,
    [input.requestKey, input.attempt, JSON.stringify(input.result), input.usage.tokensIn, input.usage.tokensOut, input.usage.cachedTokensIn ?? 0],
  );
  return rows[0]?.stored === true;
}
