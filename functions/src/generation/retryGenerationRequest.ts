import { z } from 'zod';
import { NotFoundError } from '../shared/errors';
import { faultPoint } from '../shared/faultPoints';
import type { Queryable } from '../shared/postgres';
import { parseInput } from '../shared/validation';
import type { Firestore } from 'firebase-admin/firestore';
import { enqueueOwned } from './acceptGenerationRequest';
import { forceRequeue } from './queries/forceRequeue';
import { getGenerationRequest } from './queries/getGenerationRequest';
import { reopenGenerationRequest } from './queries/reopenGenerationRequest';
import { mirrorStatus } from './statusMirror';
import type { GenerationTaskQueue } from './taskQueue';

const retrySchema = z.strictObject({ requestKey: z.string().regex(/^[0-9a-f]{64}$/, 'must be a 64-character hex request key') });

/** Admin retry: a failed request reopens at once; a stuck one gets a fresh task; done stays done. */
export async function retryGenerationRequest(
  deps: { db: Queryable; firestore: Firestore; queue: GenerationTaskQueue },
  input: unknown,
): Promise<{ requestKey: string; status: string; requeued: boolean }> {
  const { requestKey } = parseInput(retrySchema, input);
  const row = await getGenerationRequest(deps.db, requestKey);
  if (!row) throw new NotFoundError(`No generation request ${requestKey}`);
  const enqueueCount = row.status === 'failed' || row.status === 'cancelled' ? await reopenGenerationRequest(deps.db, requestKey, 0) : await forceRequeue(deps.db, requestKey);
  if (enqueueCount === undefined) return { requestKey, status: row.status, requeued: false };
  await faultPoint('admin.afterRetryRequeue');
  await mirrorStatus(deps.firestore, requestKey, { status: 'pending', error: null, errorCode: null });
  await faultPoint('admin.afterRetryMirror');
  await enqueueOwned(deps, requestKey, enqueueCount);
  return { requestKey, status: 'pending', requeued: true };
}
