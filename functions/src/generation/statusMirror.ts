import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import type { GenerationStatus } from './queries/types';

// generation_status/{requestKey}: what clients listen to. Postgres stays the truth; this mirror
// may lag but never runs backwards, because only the generator writes `status` after creation.
export const GENERATION_STATUS = 'generation_status';

export async function mirrorRequester(
  db: Firestore,
  input: { requestKey: string; poolKey: string; targetCount: number; uid: string; created: boolean },
): Promise<void> {
  const doc = db.collection(GENERATION_STATUS).doc(input.requestKey);
  await doc.set(
    {
      requestKey: input.requestKey,
      poolKey: input.poolKey,
      target: input.targetCount,
      requesters: FieldValue.arrayUnion(input.uid),
      ...(input.created ? { status: 'pending' satisfies GenerationStatus, generated: 0, createdAt: FieldValue.serverTimestamp(), updatedAt: FieldValue.serverTimestamp() } : {}),
    },
    { merge: true },
  );
}

export async function mirrorStatus(
  db: Firestore,
  requestKey: string,
  update: { status: GenerationStatus; generated?: number; poolSize?: number; error?: string | null; attempt?: number },
): Promise<void> {
  await db.collection(GENERATION_STATUS).doc(requestKey).set(
    { ...update, updatedAt: FieldValue.serverTimestamp() },
    { merge: true },
  );
}
