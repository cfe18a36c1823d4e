import type { Firestore, QueryDocumentSnapshot } from 'firebase-admin/firestore';
import { gameModes, type GameEvent } from './engine';
import { GAMES, appendEvents } from './gameLog';
import { afterAppend } from './finishedGame';

/** An async game nobody moved for this long ends: time is up for whoever did not play. */
export const IDLE_GAME_HOURS = 72;

/**
 * Ends solo and duel games idle since `idleBefore` (ms): a started one with ROUND_ENDED + GAME_ENDED
 * (`time_up`; players' history and stats are recorded as for any finished game), a never-started one
 * with GAME_ENDED (`abandoned`). Live games belong to their game server. The event ids are the ones a
 * normal ending uses, so a player finishing at the same moment ends the game once.
 */
export async function endIdleGames(db: Firestore, idleBefore: number, pageSize = 500): Promise<string[]> {
  const ended: string[] = [];
  // Live games are filtered out by the query (they belong to their game server), and each mode is
  // paged to the end: however many idle games there are, every one is reached.
  for (const mode of ASYNC_MODES) {
    let after: QueryDocumentSnapshot | undefined;
    for (;;) {
      let query = db.collection(GAMES).where('mode', '==', mode).where('status', 'in', ['lobby', 'in_round'])
        .where('lastAt', '<', idleBefore).orderBy('lastAt').limit(pageSize);
      if (after) query = query.startAfter(after);
      const page = await query.get();
      for (const game of page.docs) if (await endIdleGame(db, game.id, idleBefore)) ended.push(game.id);
      if (page.docs.length < pageSize) break;
      after = page.docs.at(-1);
    }
  }
  return ended;
}

const ASYNC_MODES = gameModes.filter((mode) => mode !== 'live');

async function endIdleGame(db: Firestore, gameId: string, idleBefore: number): Promise<boolean> {
  const outcome = await appendEvents(db, gameId, (state, now): GameEvent[] => {
    if (state.lastAt >= idleBefore) return [];
    if (state.status === 'lobby') return [{ v: 1, id: 'game-ended', at: now, type: 'GAME_ENDED', reason: 'abandoned' }];
    if (state.status !== 'in_round') return [];
    const round = state.round!.number;
    return [
      { v: 1, id: `round-ended:${round}`, at: now, type: 'ROUND_ENDED', round },
      { v: 1, id: 'game-ended', at: now, type: 'GAME_ENDED', reason: 'time_up' },
    ];
  });
  if (!outcome.appended.some((event) => event.type === 'GAME_ENDED')) return false;
  await afterAppend(db, outcome);
  return true;
}
