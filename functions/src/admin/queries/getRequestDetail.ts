import type { Queryable } from '../../shared/postgres';

export type RequestDetailRow = {
  requestKey: string; poolKey: string; params: unknown; status: string; attempts: number; maxAttempts: number; targetCount: number; generatedCount: number | null;
  lastError: string | null; createdAt: string; updatedAt: string; startedAt: string | null; finishedAt: string | null; leaseExpiresAt: string | null; notBefore: string | null;
  tokensIn: number; tokensOut: number; resultBytes: number | null; rejected: Record<string, number> | null; generator: string | null; model: string | null; questionsInResult: number | null;
  /** The verifier's work, apart from the writer's (issue 17): model, calls, tokens, verdicts. */
  verification: { model: string; calls: number; tokensIn: number; tokensOut: number; verdicts: Record<string, number> } | null;
};

/** The stored result's size and summary, without shipping the questions themselves. */
export async function getRequestDetail(db: Queryable, requestKey: string): Promise<RequestDetailRow | undefined> {
  const { rows } = await db.query<{
    request_key: string; pool_key: string; params: unknown; status: string; attempts: number; max_attempts: number; target_count: number; generated_count: number | null;
    last_error: string | null; created_at: Date; updated_at: Date; started_at: Date | null; finished_at: Date | null; lease_expires_at: Date | null; not_before: Date | null;
    tokens_in: number; tokens_out: number; result_bytes: number | null; rejected: Record<string, number> | null; generator: string | null; model: string | null; questions: number | null;
    verification: RequestDetailRow['verification'];
  }>(
    `SELECT request_key, pool_key, params, status, attempts, max_attempts, target_count, generated_count, last_error, created_at, updated_at,
            started_at, finished_at, lease_expires_at, not_before, tokens_in, tokens_out,
            octet_length(result::text) AS result_bytes, result->'rejected' AS rejected, result->>'generator' AS generator, result->>'model' AS model,
            jsonb_array_length(result->'questions') AS questions, result->'verification' AS verification
       FROM generation_requests WHERE request_key = $1`,
    [requestKey],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    requestKey: r.request_key, poolKey: r.pool_key, params: r.params, status: r.status, attempts: r.attempts, maxAttempts: r.max_attempts, targetCount: r.target_count,
    generatedCount: r.generated_count, lastError: r.last_error, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null, finishedAt: r.finished_at?.toISOString() ?? null, leaseExpiresAt: r.lease_expires_at?.toISOString() ?? null,
    notBefore: r.not_before?.toISOString() ?? null, tokensIn: r.tokens_in, tokensOut: r.tokens_out, resultBytes: r.result_bytes, rejected: r.rejected,
    generator: r.generator, model: r.model, questionsInResult: r.questions, verification: r.verification ?? null,
  };
}
