import type { Queryable } from '../../shared/postgres';
import { REQUEST_FILTER_SQL, requestFilterParams, type RequestFilter } from './requestFilter';

export async function countRequests(db: Queryable, filter: RequestFilter): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM generation_requests r WHERE ${REQUEST_FILTER_SQL}`, requestFilterParams(filter));
  return rows[0]?.n ?? 0;
}
