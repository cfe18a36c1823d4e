import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { DRAW_MEMORY, type DrawMemory, drawMemoryId } from '../pools/seenMemory';
import type { GameState } from './engine';
import { recordAnswerStats } from './questionStats';

export const PLAYERS = 'players';

/**
 * What a finished game leaves behind for each player, once (the history document is created in the
 * same transaction as the counters move, so a retried or replayed end never counts twice):
 *   players/{uid}                 games, answers, correct, and the same by `subject:level`
 *   players/{uid}/games/{gameId}  one line of history
 *   draw_memory                   every question dealt in the game, so practice never repeats it
 */
export async function recordFinishedGame(db: Firestore, state: GameState): Promise<void> {
  const game = state.game!;
  const dealt = state.questions.map((question) => question.questionId);
  await Promise.all(state.players.map((uid) => db.runTransaction(async (transaction) => {
    const historyRef = db.collection(PLAYERS).doc(uid).collection('games').doc(game.gameId);
    const memoryRef = db.collection(DRAW_MEMORY).doc(drawMemoryId(uid, game.pool.poolKey));
    const [history, memory] = await transaction.getAll(historyRef, memoryRef);
    if (history!.exists) return;
    const answers = state.questions.map((question) => question.answers[uid]).filter((answer) => answer !== undefined);
    const correct = answers.filter((answer) => answer.correct).length;
    const ranked = [...state.players].sort((a, b) => (state.scores[b] ?? 0) - (state.scores[a] ?? 0));
    transaction.create(historyRef, {
      gameId: game.gameId, mode: game.mode, pool: game.pool, endedAt: state.endedAt, endReason: state.endReason,
      players: state.players, score: state.scores[uid] ?? 0, rank: ranked.indexOf(uid) + 1,
      dealt: dealt.length, answers: answers.length, correct,
    });
    const bucket = `${game.pool.subject}:${game.pool.level}`;
    transaction.set(db.collection(PLAYERS).doc(uid), {
      games: FieldValue.increment(1),
      answers: FieldValue.increment(answers.length),
      correct: FieldValue.increment(correct),
      bySubjectLevel: { [bucket]: { subject: game.pool.subject, level: game.pool.level, answers: FieldValue.increment(answers.length), correct: FieldValue.increment(correct) } },
      lastGameAt: state.endedAt,
    }, { merge: true });
    const previous = memory!.data() as DrawMemory | undefined;
    const seen = previous?.seen ?? [];
    const known = new Set(seen);
    transaction.set(memoryRef, {
      uid, poolKey: game.pool.poolKey, seen: [...seen, ...dealt.filter((id) => !known.has(id))],
      lastDraw: previous?.lastDraw ?? [], round: previous?.round ?? 1, updatedAt: FieldValue.serverTimestamp(),
      // The game is over: its questions are released to practice (other live games keep theirs).
      held: (previous?.held ?? []).filter((id) => !dealt.includes(id)),
    });
  })));
}

/** Everything a finished game feeds: player history and memory, then what its answers say about its questions. */
export async function gameFinished(db: Firestore, state: GameState): Promise<void> {
  await recordFinishedGame(db, state);
  await recordAnswerStats(db, state);
}
