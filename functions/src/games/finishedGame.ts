import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { DRAW_MEMORY, type DrawMemory, drawMemoryId } from '../pools/seenMemory';
import { faultPoint } from '../shared/faultPoints';
import type { GameState } from './engine';
import { type AppendOutcome, GAME_FOLLOW_UPS, readGameState } from './gameLog';
import { recordAnswerStats } from './questionStats';

export const PLAYERS = 'players';

/** A marker younger than this belongs to a call that may still be applying it; the sweep leaves it. */
export const FOLLOW_UP_GRACE_MS = 5 * 60_000;

const historyRef = (db: Firestore, uid: string, gameId: string) => db.collection(PLAYERS).doc(uid).collection('games').doc(gameId);

/**
 * players/{uid} (games, answers, correct, and the same by `subject:level`) and
 * players/{uid}/games/{gameId} (one line of history), once: the history document is created in the
 * same transaction as the counters move, so a retried or replayed end never counts twice.
 */
export async function recordHistory(db: Firestore, state: GameState): Promise<void> {
  const game = state.game!;
  await Promise.all(state.players.map((uid) => db.runTransaction(async (transaction) => {
    const ref = historyRef(db, uid, game.gameId);
    if ((await transaction.get(ref)).exists) return;
    const answers = state.questions.map((question) => question.answers[uid]).filter((answer) => answer !== undefined);
    const correct = answers.filter((answer) => answer.correct).length;
    const ranked = [...state.players].sort((a, b) => (state.scores[b] ?? 0) - (state.scores[a] ?? 0));
    transaction.create(ref, {
      gameId: game.gameId, mode: game.mode, pool: game.pool, endedAt: state.endedAt, endReason: state.endReason,
      players: state.players, score: state.scores[uid] ?? 0, rank: ranked.indexOf(uid) + 1,
      dealt: state.questions.length, answers: answers.length, correct,
    });
    const bucket = `${game.pool.subject}:${game.pool.level}`;
    transaction.set(db.collection(PLAYERS).doc(uid), {
      games: FieldValue.increment(1),
      answers: FieldValue.increment(answers.length),
      correct: FieldValue.increment(correct),
      bySubjectLevel: { [bucket]: { subject: game.pool.subject, level: game.pool.level, answers: FieldValue.increment(answers.length), correct: FieldValue.increment(correct) } },
      lastGameAt: state.endedAt,
    }, { merge: true });
  })));
}

/**
 * draw_memory: every question dealt in the game joins the player's seen list (practice never repeats
 * it) and leaves `held` (released to practice). Once per player: the history line records
 * `memoryReleased` in the same transaction, so a late re-application never releases the hold of a
 * later game that dealt the same question.
 */
export async function releaseDrawMemory(db: Firestore, state: GameState): Promise<void> {
  const game = state.game!;
  const dealt = state.questions.map((question) => question.questionId);
  await Promise.all(state.players.map((uid) => db.runTransaction(async (transaction) => {
    const history = historyRef(db, uid, game.gameId);
    const memoryRef = db.collection(DRAW_MEMORY).doc(drawMemoryId(uid, game.pool.poolKey));
    const [line, memory] = await transaction.getAll(history, memoryRef);
    if (!line!.exists) throw new Error(`game ${game.gameId}: draw memory of ${uid} before its history`);
    if (line!.get('memoryReleased') === true) return;
    const previous = memory!.data() as DrawMemory | undefined;
    const seen = previous?.seen ?? [];
    const known = new Set(seen);
    transaction.set(memoryRef, {
      uid, poolKey: game.pool.poolKey, seen: [...seen, ...dealt.filter((id) => !known.has(id))],
      lastDraw: previous?.lastDraw ?? [], round: previous?.round ?? 1, updatedAt: FieldValue.serverTimestamp(),
      // The game is over: its questions are released to practice (other live games keep theirs).
      held: (previous?.held ?? []).filter((id) => !dealt.includes(id)),
      ...(previous?.answered ? { answered: previous.answered } : {}),
    });
    transaction.update(history, { memoryReleased: true });
  })));
}

/**
 * Everything a finished game feeds, each step applied once however often this runs (the append
 * wrote `game_follow_ups/{gameId}` in its transaction; the last step deletes it): what its answers
 * say about its questions, the players' history, their draw memory. A game that never dealt a
 * question leaves nothing behind.
 */
export async function gameFinished(db: Firestore, state: GameState): Promise<void> {
  if (state.questions.length > 0) {
    await recordAnswerStats(db, state);
    await faultPoint('game.afterStats');
    await recordHistory(db, state);
    await faultPoint('game.afterHistory');
    await releaseDrawMemory(db, state);
    await faultPoint('game.afterDrawMemory');
  }
  await db.collection(GAME_FOLLOW_UPS).doc(state.game!.gameId).delete();
  await faultPoint('game.afterMarkerCleared');
}

/**
 * After any append: the call that ended the game applies its follow-up; a retried call (the
 * client's, a game server's resend) that finds the game ended with its marker still there finishes
 * what a failed or crashed first call left.
 */
export async function afterAppend(db: Firestore, outcome: AppendOutcome): Promise<void> {
  if (outcome.appended.some((event) => event.type === 'GAME_ENDED')) {
    await faultPoint('game.afterAppend');
    await gameFinished(db, outcome.state);
  } else if (outcome.state.status === 'ended' && (await db.collection(GAME_FOLLOW_UPS).doc(outcome.state.game!.gameId).get()).exists) {
    await gameFinished(db, outcome.state);
  }
}

/**
 * The scheduled sweep: every marker older than `olderThan` (ms) is a follow-up whose call died or
 * failed; apply it from the stored state. Pages to the end; one game's failure does not stop the rest.
 */
export async function sweepGameFollowUps(db: Firestore, olderThan: number, pageSize = 200): Promise<{ applied: string[]; failed: Array<{ gameId: string; error: string }> }> {
  const applied: string[] = [];
  const failed: Array<{ gameId: string; error: string }> = [];
  const skip = new Set<string>();
  // Applied markers are deleted, so each page is read from the start; failed ones are stepped over.
  for (;;) {
    const limit = pageSize + skip.size;
    const page = await db.collection(GAME_FOLLOW_UPS).where('createdAt', '<', olderThan).orderBy('createdAt').limit(limit).get();
    const todo = page.docs.filter((doc) => !skip.has(doc.id));
    for (const marker of todo) {
      try {
        const state = await readGameState(db, marker.id);
        if (state?.status === 'ended') await gameFinished(db, state);
        else await marker.ref.delete(); // no ended game behind it: nothing to apply
        applied.push(marker.id);
      } catch (error) {
        skip.add(marker.id);
        failed.push({ gameId: marker.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
    if (todo.length === 0 || page.docs.length < limit) break;
  }
  return { applied, failed };
}
