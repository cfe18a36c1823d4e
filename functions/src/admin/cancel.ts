import type { Firestore } from 'firebase-admin/firestore';
import { faultPoint } from '../shared/faultPoints';
import type { Queryable } from '../shared/postgres';
import { publicError } from '../generation/publicErrors';
import { mirrorStatus } from '../generation/statusMirror';
import { cancelGenerationRequests } from './queries/cancelGenerationRequests';

export type BulkResult = { matched: number; changed: number; skipped: number; errors: number };

/**
 * Cancels in Postgres, then mirrors. A cancel that died between the two is finished by the admin's
 * retry of it: every target already cancelled has its mirror written again (idempotent).
 */
export async function cancelRequestKeys(deps: { db: Queryable; firestore: Firestore }, keys: string[], by: string): Promise<BulkResult> {
  const { cancelled, mirror } = await cancelGenerationRequests(deps.db, keys, by);
  await faultPoint('admin.afterCancel');
  let errors = 0;
  for (let i = 0; i < mirror.length; i += 20) {
    await Promise.all(mirror.slice(i, i + 20).map((key) =>
      mirrorStatus(deps.firestore, key, { status: 'failed', ...publicError('cancelled-by-admin') }).catch(() => { errors += 1; })));
  }
  return { matched: keys.length, changed: cancelled.length, skipped: keys.length - cancelled.length, errors };
}
