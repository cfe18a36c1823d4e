import type { Queryable } from '../../shared/postgres';
import type { GenerationRequestRow } from './types';

export async function getGenerationRequest(db: Queryable, requestKey: string): Promise<GenerationRequestRow | undefined> {
  const { rows } = await db.query<GenerationRequestRow>(`SELECT * FROM generation_requests WHERE request_key = $1`, [requestKey]);
  return rows[0];
}
