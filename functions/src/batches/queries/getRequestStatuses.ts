import type { Queryable } from '../../shared/postgres';
import type { GenerationStatus } from '../../generation/queries/types';

/** Status of each request key that already has a row (a dry run compares a plan with existing work). */
export async function getRequestStatuses(db: Queryable, requestKeys: readonly string[]): Promise<Map<string, GenerationStatus>> {
  const { rows } = await db.query<{ request_key: string; status: GenerationStatus }>(
    'SELECT request_key, status FROM generation_requests WHERE request_key = ANY($1::text[])',
    [requestKeys],
  );
  return new Map(rows.map((r) => [r.request_key, r.status]));
}
