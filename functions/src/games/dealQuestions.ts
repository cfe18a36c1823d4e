import { randomInt } from 'node:crypto';
import type { Firestore } from 'firebase-admin/firestore';
import { DRAW_MEMORY, type DrawMemory, drawMemoryId } from '../pools/seenMemory';

/**
 * A question set for a game: questions none of the players has seen in this pool (their draw
 * memory), topped up with the least recent ones if the pool has too few. The pool's id list holds
 * active questions only, so flagged and removed questions are never dealt.
 */
export async function dealQuestions(db: Firestore, poolKey: string, poolIds: readonly string[], players: readonly string[], count: number): Promise<string[]> {
  const refs = players.map((uid) => db.collection(DRAW_MEMORY).doc(drawMemoryId(uid, poolKey)));
  const memories = refs.length > 0 ? await db.getAll(...refs) : [];
  const seen = new Set<string>();
  for (const memory of memories) for (const id of (memory.data() as DrawMemory | undefined)?.seen ?? []) seen.add(id);
  const fresh = shuffle(poolIds.filter((id) => !seen.has(id)));
  const stale = shuffle(poolIds.filter((id) => seen.has(id)));
  return [...fresh, ...stale].slice(0, count);
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
