import type { Queryable } from '../../shared/postgres';
import type { ModelUsage } from './storeGenerationResult';

/**
 * Tokens of model calls whose output is not stored (refusal, invalid after repair, truncation,
 * a lease lost before the store): charged to the request, its requester and the global budget all
 * the same, whoever holds the lease now. The provider billed them.
 */
export async function chargeModelUsage(db: Queryable, requestKey: string, usage: ModelUsage): Promise<void> {
  if (usage.tokensIn + usage.tokensOut <= 0) return;
  await db.query(
    `WITH charged_request AS (
       UPDATE generation_requests
          SET tokens_in = tokens_in + $2, tokens_out = tokens_out + $3, cached_tokens_in = cached_tokens_in + $4, updated_at = now()
        WHERE request_key = $1
        RETURNING requested_by
     )
     INSERT INTO usage_daily (day, subject, tokens)
     SELECT (now() AT TIME ZONE 'utc')::date, subject, $2::bigint + $3::bigint
       FROM charged_request, LATERAL (VALUES ('user:' || charged_request.requested_by), ('global')) AS s(subject)
     ON CONFLICT (day, subject) DO UPDATE SET tokens = usage_daily.tokens + EXCLUDED.tokens`,
    [requestKey, usage.tokensIn, usage.tokensOut, usage.cachedTokensIn ?? 0],
  );
}
