import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import type { PoolParams } from '../questions/poolParams';
import { UnavailableError } from '../shared/errors';
import type { Question } from '../questions/question';
import { notifyPoolWritten } from './poolCache';
import type { PoolItem, PoolReader, StoredQuestion } from './poolTypes';

export type { PoolItem, StoredQuestion };

export const POOLS = 'question_pools';
export const ITEMS = 'items';

export function poolItems(db: Firestore, poolKey: string) {
  return db.collection(POOLS).doc(poolKey).collection(ITEMS);
}

/** Ids only: a projection query returns names without shipping question bodies. */
export async function listPoolQuestionIds(db: Firestore, poolKey: string): Promise<string[]> {
  const snapshot = await poolItems(db, poolKey).select().get();
  return snapshot.docs.map((doc) => doc.id);
}

/** What the duplicate filter compares against: every question of the pool, without explanations. */
export async function readPoolForScreening(db: Firestore, poolKey: string): Promise<Array<Pick<Question, 'prompt' | 'choices' | 'answerIndex'> & { id: string }>> {
  const snapshot = await poolItems(db, poolKey).select('prompt', 'choices', 'answerIndex').get();
  return snapshot.docs.map((doc) => ({ id: doc.id, prompt: doc.get('prompt'), choices: doc.get('choices'), answerIndex: doc.get('answerIndex') }));
}

/** Every question of a pool in one query: one document read each. */
export async function readWholePool(db: Firestore, poolKey: string): Promise<StoredQuestion[]> {
  const snapshot = await poolItems(db, poolKey).get();
  return snapshot.docs.map((doc) => toStoredQuestion(doc.id, doc.data() as PoolItem));
}

function toStoredQuestion(id: string, data: PoolItem): StoredQuestion {
  return {
    id,
    prompt: data.prompt,
    choices: data.choices,
    answerIndex: data.answerIndex,
    explanation: data.explanation,
    difficulty: data.difficulty,
    source: data.source,
    model: data.model,
    ...(data.state ? { state: data.state } : {}),
  };
}

export async function countPoolQuestions(db: Firestore, poolKey: string): Promise<number> {
  const snapshot = await poolItems(db, poolKey).count().get();
  return snapshot.data().count;
}

/**
 * Writes questions under their content-derived ids. Every field comes from the stored result,
 * so writing the same result twice writes the same documents: no duplicates, no drift.
 */
export async function writePoolQuestions(
  db: Firestore,
  input: { poolKey: string; params: PoolParams; requestKey: string; generatedAt: string; questions: StoredQuestion[] },
): Promise<number> {
  const items = poolItems(db, input.poolKey);
  const writer = db.bulkWriter();
  writer.onWriteError((error) => error.failedAttempts < 5);
  // Each write's promise is handled here: one that exhausts its retries fails this call (the task
  // retries), never an unhandled rejection that would kill the instance and its other tasks.
  const failures: unknown[] = [];
  for (const { id, state: _ignored, ...question } of input.questions) {
    const item: PoolItem = { ...question, requestKey: input.requestKey, createdAt: input.generatedAt };
    // Merge: a question's content is its id, so rewriting it changes nothing but must keep its state
    // (a removed question written again by a replayed task stays removed).
    writer.set(items.doc(id), item, { merge: true }).catch((error: unknown) => { failures.push(error); });
  }
  await writer.close();
  if (failures.length > 0) {
    throw new UnavailableError(`${failures.length} of ${input.questions.length} pool writes failed`, { cause: failures[0] });
  }
  // This instance's draw caches must not serve the pool as it was before this write.
  notifyPoolWritten(input.poolKey);
  const count = await countPoolQuestions(db, input.poolKey);
  await db.collection(POOLS).doc(input.poolKey).set(
    { params: input.params, count, updatedAt: FieldValue.serverTimestamp() },
    { merge: true },
  );
  return count;
}

export async function readPoolQuestions(db: Firestore, poolKey: string, ids: string[]): Promise<StoredQuestion[]> {
  if (ids.length === 0) return [];
  const items = poolItems(db, poolKey);
  const snapshots = await db.getAll(...ids.map((id) => items.doc(id)));
  return snapshots.filter((snapshot) => snapshot.exists).map((snapshot) => toStoredQuestion(snapshot.id, snapshot.data() as PoolItem));
}

/** The cache's way to Firestore: a whole pool in one query, or one question. */
export function firestorePoolReader(db: Firestore): PoolReader {
  return {
    wholePool: (poolKey) => readWholePool(db, poolKey),
    question: async (poolKey, id) => (await readPoolQuestions(db, poolKey, [id]))[0],
    poolCount: async (poolKey) => Number((await db.collection(POOLS).doc(poolKey).get()).get('count') ?? 0),
  };
}
