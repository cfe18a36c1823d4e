import type { Queryable } from '../../shared/postgres';
import { REQUEST_FILTER_SQL, requestFilterParams, type RequestFilter } from './requestFilter';

/** The keys a bulk action applies to, capped: one more than the cap tells the caller it was exceeded. */
export async function selectRequestKeys(db: Queryable, filter: RequestFilter, cap: number): Promise<string[]> {
  const { rows } = await db.query<{ request_key: string }>(
    `SELECT r.request_key FROM generation_requests r WHERE ${REQUEST_FILTER_SQL} ORDER BY r.created_at, r.request_key LIMIT $9`,
    [...requestFilterParams(filter), cap + 1],
  );
  return rows.map((r) => r.request_key);
}
