import { randomInt } from 'node:crypto';
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { sha256Hex } from '../shared/hashing';

/**
 * What a player has seen of a pool: one Firestore document per (player, pool),
 * `draw_memory/{uid}_{hash(poolKey)}` = { seen: ids of this round, lastDraw: ids of the last draw, round }.
 * A draw costs one document read and one write, in a transaction so two draws of the same player
 * cannot hand out the same question; the arrays are exempt from indexing (firestore.indexes.json),
 * so a 500-question pool costs no index writes. Server-only: rules deny clients.
 */
export const DRAW_MEMORY = 'draw_memory';

/**
 * `held`: questions of the player's unfinished games in this pool, never dealt or checked by practice until the game ends.
 * `answered`: questions answered since they were last dealt — a second answer learns nothing.
 */
export type DrawMemory = { uid: string; poolKey: string; seen: string[]; lastDraw: string[]; round: number; held?: string[]; answered?: string[] };

// One player's concurrent draws and answers contend on one document: the default five attempts
// can run out under a burst of a dozen calls (seen by the callable fuzz test as 'unavailable').
const MEMORY_TRANSACTION = { maxAttempts: 15 };

export function drawMemoryId(uid: string, poolKey: string): string {
  return `${uid}_${sha256Hex(poolKey).slice(0, 24)}`;
}

function sample<T>(items: readonly T[], count: number): T[] {
  const copy = [...items];
  const size = Math.min(count, copy.length);
  for (let i = 0; i < size; i++) {
    const j = i + randomInt(copy.length - i);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, size);
}

/**
 * Picks `count` ids the player has not seen this round. When fewer remain, the player gets all of
 * them, a new round starts, and the rest comes from the questions seen in the round before.
 */
export function pickUnseen(poolIds: readonly string[], memory: Pick<DrawMemory, 'seen' | 'round'>, count: number): { picked: string[]; seen: string[]; round: number } {
  const seen = new Set(memory.seen);
  const unseen = poolIds.filter((id) => !seen.has(id));
  if (unseen.length >= count) {
    const picked = sample(unseen, count);
    const inPool = new Set(poolIds);
    return { picked, seen: [...memory.seen.filter((id) => inPool.has(id)), ...picked], round: memory.round };
  }
  const fresh = new Set(unseen);
  const picked = [...sample(unseen, unseen.length), ...sample(poolIds.filter((id) => !fresh.has(id)), count - unseen.length)];
  return { picked, seen: picked, round: memory.round + 1 };
}

/**
 * `admit` (the caller's rate token) runs beside the memory read, inside the transaction: the draw's
 * critical path is that read and the commit, and nothing is written or dealt unless admit resolves.
 * It runs once however often the transaction is retried.
 */
export async function drawUnseen(
  db: Firestore, uid: string, poolKey: string, poolIds: readonly string[], count: number,
  admit: () => Promise<unknown> = async () => undefined,
): Promise<string[]> {
  if (poolIds.length === 0) {
    await admit();
    return [];
  }
  const ref = db.collection(DRAW_MEMORY).doc(drawMemoryId(uid, poolKey));
  let admitted: Promise<unknown> | undefined;
  return db.runTransaction(async (transaction) => {
    admitted ??= admit();
    const [snapshot] = await Promise.all([transaction.get(ref), admitted]);
    const memory: Pick<DrawMemory, 'seen' | 'round' | 'held' | 'answered'> = (snapshot.data() as DrawMemory | undefined) ?? { seen: [], round: 1 };
    // A live game's questions stay out of practice: drawn and checked, they would give its keys away.
    const held = new Set(memory.held ?? []);
    const next = pickUnseen(held.size ? poolIds.filter((id) => !held.has(id)) : poolIds, memory, count);
    // A question dealt again may be answered again.
    const dealt = new Set(next.picked);
    const answered = (memory.answered ?? []).filter((id) => !dealt.has(id));
    transaction.set(ref, { uid, poolKey, seen: next.seen, lastDraw: next.picked, round: next.round, held: [...held], answered, updatedAt: FieldValue.serverTimestamp() });
    return next.picked;
  }, MEMORY_TRANSACTION);
}

function answerable(memory: DrawMemory | undefined): Set<string> {
  const held = new Set(memory?.held ?? []);
  return new Set([...(memory?.seen ?? []), ...(memory?.lastDraw ?? [])].filter((id) => !held.has(id)));
}

export type RecordedAnswers = { notDealt: string[]; first: string[]; again: string[] };

/**
 * Records the player's answers to questions dealt to them: the first answer to a dealt question is
 * recorded (and may learn its key), a later one is not. One transaction: the memory read beside
 * `admit` (the caller's rate token), then one write — nothing is recorded unless admit resolves,
 * and nothing at all when an answer names a question not dealt.
 */
export async function recordAnswers(
  db: Firestore, uid: string, poolKey: string, questionIds: readonly string[],
  admit: () => Promise<unknown> = async () => undefined,
): Promise<RecordedAnswers> {
  const ref = db.collection(DRAW_MEMORY).doc(drawMemoryId(uid, poolKey));
  let admitted: Promise<unknown> | undefined;
  return db.runTransaction(async (transaction) => {
    admitted ??= admit();
    const [snapshot] = await Promise.all([transaction.get(ref), admitted]);
    const memory = snapshot.data() as DrawMemory | undefined;
    const dealt = answerable(memory);
    const answered = new Set(memory?.answered ?? []);
    const outcome: RecordedAnswers = { notDealt: [], first: [], again: [] };
    for (const id of new Set(questionIds)) {
      if (!dealt.has(id)) outcome.notDealt.push(id);
      else if (answered.has(id)) outcome.again.push(id);
      else outcome.first.push(id);
    }
    if (outcome.notDealt.length === 0 && outcome.first.length > 0) {
      transaction.set(ref, { answered: FieldValue.arrayUnion(...outcome.first), updatedAt: FieldValue.serverTimestamp() }, { merge: true });
    }
    return outcome;
  }, MEMORY_TRANSACTION);
}

/** Holds a game's questions for its players until the game ends (idempotent). */
export async function holdForGame(db: Firestore, poolKey: string, players: readonly string[], questionIds: readonly string[]): Promise<void> {
  if (questionIds.length === 0) return;
  const batch = db.batch();
  for (const uid of players) {
    batch.set(db.collection(DRAW_MEMORY).doc(drawMemoryId(uid, poolKey)), { uid, poolKey, held: FieldValue.arrayUnion(...questionIds) }, { merge: true });
  }
  await batch.commit();
}
