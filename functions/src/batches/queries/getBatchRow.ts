import type { Queryable } from '../../shared/postgres';
import type { GenerationBatchRow } from './types';

export async function getBatchRow(db: Queryable, batchId: string): Promise<GenerationBatchRow | undefined> {
  const { rows } = await db.query<GenerationBatchRow>({ name: 'generation-batch-get', text: 'SELECT * FROM generation_batches WHERE batch_id = $1' }, [batchId]);
  return rows[0];
}
