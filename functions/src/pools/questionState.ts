import type { Firestore } from 'firebase-admin/firestore';
import { NotFoundError } from '../shared/errors';
import { notifyPoolWritten } from './poolCache';
import { poolItems } from './poolStore';
import type { QuestionState } from './poolTypes';

export type { QuestionState };

export const QUESTION_STATES: readonly QuestionState[] = ['active', 'flagged', 'removed'];

export type QuestionStateChange = { poolKey: string; questionId: string; state: QuestionState; reason?: string; by: string };

/**
 * Sets a question's state. This instance stops dealing a flagged or removed question at once; every
 * other instance within its pool id list TTL (POOL_IDS_TTL_SECONDS), when it reads the pool again.
 * Answers to questions already dealt stay checkable.
 */
export async function setQuestionState(db: Firestore, change: QuestionStateChange): Promise<{ poolKey: string; questionId: string; state: QuestionState; previous: QuestionState }> {
  const ref = poolItems(db, change.poolKey).doc(change.questionId);
  const previous = await db.runTransaction(async (transaction) => {
    const snapshot = await transaction.get(ref);
    if (!snapshot.exists) throw new NotFoundError(`No question ${change.questionId} in pool ${change.poolKey}.`);
    transaction.update(ref, {
      state: change.state,
      stateReason: change.reason ?? null,
      stateBy: change.by,
      stateAt: new Date().toISOString(),
    });
    return (snapshot.get('state') as QuestionState | undefined) ?? 'active';
  });
  notifyPoolWritten(change.poolKey);
  return { poolKey: change.poolKey, questionId: change.questionId, state: change.state, previous };
}
