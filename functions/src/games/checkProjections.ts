import type { Firestore } from 'firebase-admin/firestore';
import { replay } from './engine';
import { GAMES, readGameState, readLog, sameJson } from './gameLog';
import { projectionOf } from './projection';

export const GAME_CHECKS = 'game_checks';

export type Mismatch = { gameId: string; projection: boolean; state: boolean; error?: string };
export type CheckReport = { at: string; since: number; checked: number; mismatches: Mismatch[] };

/**
 * Folds the log of every game that ended since `since` and compares the result with its projection
 * and its stored state. Reports, never repairs: a mismatch means a bug to look at (rebuildGame fixes
 * the documents). The report is kept in game_checks/{at} for the console.
 */
export async function checkEndedGames(db: Firestore, since: number, limit = 2_000): Promise<CheckReport> {
  const ended = await db.collection(GAMES).where('endedAt', '>=', since).orderBy('endedAt').limit(limit).get();
  const mismatches: Mismatch[] = [];
  for (const game of ended.docs) {
    try {
      const folded = replay(await readLog(db, game.id));
      const projection = !sameJson(game.data(), JSON.parse(JSON.stringify(projectionOf(folded))));
      const state = !sameJson(await readGameState(db, game.id), folded);
      if (projection || state) mismatches.push({ gameId: game.id, projection, state });
    } catch (error) {
      mismatches.push({ gameId: game.id, projection: true, state: true, error: error instanceof Error ? error.message : String(error) });
    }
  }
  const report: CheckReport = { at: new Date().toISOString(), since, checked: ended.size, mismatches };
  await db.collection(GAME_CHECKS).doc(report.at).set(report);
  return report;
}
