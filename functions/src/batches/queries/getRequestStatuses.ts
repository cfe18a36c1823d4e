import type { Queryable } from '../../shared/postgres';
import type { GenerationStatus } from '../../generation/queries/types';

/** Status and target of each request key (one per pool) that already has a row (a dry run compares a plan with existing work). */
export async function getRequestStatuses(db: Queryable, requestKeys: readonly string[]): Promise<Map<string, { status: GenerationStatus; targetCount: number }>> {
  const { rows } = await db.query<{ request_key: string; status: GenerationStatus; target_count: number }>(
    'SELECT request_key, status, target_count FROM generation_requests WHERE request_key = ANY($1::text[])',
    [requestKeys],
  );
  return new Map(rows.map((r) => [r.request_key, { status: r.status, targetCount: r.target_count }]));
}
