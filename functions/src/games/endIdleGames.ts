import type { Firestore } from 'firebase-admin/firestore';
import type { GameEvent } from './engine';
import { GAMES, appendEvents } from './gameLog';
import { gameFinished } from './finishedGame';

/** An async game nobody moved for this long ends: time is up for whoever did not play. */
export const IDLE_GAME_HOURS = 72;

/**
 * Ends solo and duel games idle since `idleBefore` (ms): a started one with ROUND_ENDED + GAME_ENDED
 * (`time_up`; players' history and stats are recorded as for any finished game), a never-started one
 * with GAME_ENDED (`abandoned`). Live games belong to their game server. The event ids are the ones a
 * normal ending uses, so a player finishing at the same moment ends the game once.
 */
export async function endIdleGames(db: Firestore, idleBefore: number, limit = 500): Promise<string[]> {
  const idle = await db.collection(GAMES).where('status', 'in', ['lobby', 'in_round']).where('lastAt', '<', idleBefore).limit(limit).get();
  const ended: string[] = [];
  for (const game of idle.docs) {
    if (game.get('mode') === 'live') continue;
    const outcome = await appendEvents(db, game.id, (state, now): GameEvent[] => {
      if (state.lastAt >= idleBefore) return [];
      if (state.status === 'lobby') return [{ v: 1, id: 'game-ended', at: now, type: 'GAME_ENDED', reason: 'abandoned' }];
      if (state.status !== 'in_round') return [];
      const round = state.round!.number;
      return [
        { v: 1, id: `round-ended:${round}`, at: now, type: 'ROUND_ENDED', round },
        { v: 1, id: 'game-ended', at: now, type: 'GAME_ENDED', reason: 'time_up' },
      ];
    });
    if (!outcome.appended.some((event) => event.type === 'GAME_ENDED')) continue;
    ended.push(game.id);
    if (outcome.state.questions.length > 0) await gameFinished(db, outcome.state);
  }
  return ended;
}
