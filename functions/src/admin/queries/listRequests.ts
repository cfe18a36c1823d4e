import type { Queryable } from '../../shared/postgres';
import { REQUEST_FILTER_SQL, requestFilterParams, type RequestFilter } from './requestFilter';

export type RequestSummary = {
  requestKey: string; poolKey: string; status: string; attempts: number; maxAttempts: number; targetCount: number; generatedCount: number | null;
  lastError: string | null; createdAt: string; updatedAt: string; finishedAt: string | null; tokensIn: number; tokensOut: number;
};

/** Newest first; keyset paging on (created_at, request_key). */
export async function listRequests(db: Queryable, filter: RequestFilter, page: { limit: number; after?: { createdAt: Date; requestKey: string } }): Promise<RequestSummary[]> {
  const { rows } = await db.query<{
    request_key: string; pool_key: string; status: string; attempts: number; max_attempts: number; target_count: number; generated_count: number | null;
    last_error: string | null; created_at: Date; updated_at: Date; finished_at: Date | null; tokens_in: number; tokens_out: number;
  }>(
    `SELECT r.request_key, r.pool_key, r.status, r.attempts, r.max_attempts, r.target_count, r.generated_count, r.last_error,
            r.created_at, r.updated_at, r.finished_at, r.tokens_in, r.tokens_out
       FROM generation_requests r
      WHERE ${REQUEST_FILTER_SQL}
        AND ($9::timestamptz IS NULL OR (r.created_at, r.request_key) < ($9, $10::text))
      ORDER BY r.created_at DESC, r.request_key DESC
      LIMIT $11`,
    [...requestFilterParams(filter), page.after?.createdAt ?? null, page.after?.requestKey ?? null, page.limit],
  );
  return rows.map((r) => ({
    requestKey: r.request_key, poolKey: r.pool_key, status: r.status, attempts: r.attempts, maxAttempts: r.max_attempts, targetCount: r.target_count,
    generatedCount: r.generated_count, lastError: r.last_error, createdAt: r.created_at.toISOString(), updatedAt: r.updated_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null, tokensIn: r.tokens_in, tokensOut: r.tokens_out,
  }));
}
