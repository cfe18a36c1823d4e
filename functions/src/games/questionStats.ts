import { randomInt } from 'node:crypto';
import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { notifyPoolWritten } from '../pools/poolCache';
import { type PoolItem, poolItems } from '../pools/poolStore';
import { setQuestionState } from '../pools/questionState';
import { sha256Hex } from '../shared/hashing';
import { type Level, LEVEL_NORMS, type QuestionStats, addStats, emptyStats, judgeQuestion, minPlayersToFlag } from './answerStats';
import type { GameState } from './engine';
import { GAME_STATES } from './gameLog';

/**
 * Per-question answer statistics, `question_stats/{id}/shards/{0..7}`: each finished game adds its
 * counts to one random shard per question. A popular question is answered in many games at once, and
 * one Firestore document takes about one sustained write a second; eight shards take eight, and the
 * totals are the sum of eight reads. The parent document is written only when a question is first
 * seen and when a verdict changes, never per answer.
 */
export const QUESTION_STATS = 'question_stats';
export const STAT_SHARDS = 8;
export const STATS_ACTOR = 'answer-stats';

/**
 * Which questions of a pool a player's answers were already counted for: `stat_answerers/{pool}_{uid}`.
 * One player playing the same question in 60 games counts once, so statistics need many players.
 */
export const STAT_ANSWERERS = 'stat_answerers';

export function statId(poolKey: string, questionId: string): string {
  return `${sha256Hex(poolKey).slice(0, 16)}_${questionId}`;
}

type Reviewed = { poolKey: string; questionId: string };

/** Adds a finished game's answers to the statistics, once per game, then reviews its questions (again on a rerun: a crash may have come between). */
export async function recordAnswerStats(db: Firestore, state: GameState): Promise<void> {
  const game = state.game!;
  const marker = db.collection(GAME_STATES).doc(game.gameId).collection('done').doc('answerStats');
  const questions = state.questions.filter((question) => question.content !== null);
  const poolHash = sha256Hex(game.pool.poolKey).slice(0, 16);
  const answererRefs = state.players.map((uid) => db.collection(STAT_ANSWERERS).doc(`${poolHash}_${uid}`));
  await db.runTransaction(async (transaction) => {
    if ((await transaction.get(marker)).exists) return;
    const parents = questions.length > 0 ? await transaction.getAll(...questions.map((question) => db.collection(QUESTION_STATS).doc(statId(game.pool.poolKey, question.questionId)))) : [];
    const answerers = answererRefs.length > 0 ? await transaction.getAll(...answererRefs) : [];
    const counted = new Map(state.players.map((uid, i) => [uid, new Set<string>((answerers[i]?.get('questionIds') as string[] | undefined) ?? [])]));
    const newlyCounted = new Map<string, string[]>();
    questions.forEach((question, i) => {
      // Players for whom this question counts now: never counted for it before.
      const fresh = state.players.filter((uid) => !counted.get(uid)!.has(question.questionId));
      for (const uid of fresh) newlyCounted.set(uid, [...(newlyCounted.get(uid) ?? []), question.questionId]);
      const answers = fresh.map((uid) => question.answers[uid]).filter((answer) => answer !== undefined);
      const choices: Record<string, FieldValue> = {};
      for (const answer of answers) choices[String(answer.choice)] = FieldValue.increment(answers.filter((a) => a.choice === answer.choice).length);
      const parent = parents[i]!;
      if (!parent.exists) transaction.create(parent.ref, { poolKey: game.pool.poolKey, questionId: question.questionId, firstSeenAt: state.endedAt });
      if (fresh.length === 0) return;
      transaction.set(parent.ref.collection('shards').doc(String(randomInt(STAT_SHARDS))), {
        dealt: FieldValue.increment(fresh.length),
        answered: FieldValue.increment(answers.length),
        correct: FieldValue.increment(answers.filter((answer) => answer.correct).length),
        timeMsSum: FieldValue.increment(answers.reduce((sum, answer) => sum + answer.elapsedMs, 0)),
        choices,
      }, { merge: true });
    });
    state.players.forEach((uid, i) => {
      const ids = newlyCounted.get(uid);
      if (ids?.length) transaction.set(answererRefs[i]!, { uid, poolKey: game.pool.poolKey, questionIds: FieldValue.arrayUnion(...ids) }, { merge: true });
    });
    transaction.create(marker, { at: state.endedAt, questions: questions.length });
  });
  await reviewQuestions(db, questions.map((question) => ({ poolKey: game.pool.poolKey, questionId: question.questionId })));
}

export async function readQuestionStats(db: Firestore, poolKey: string, questionId: string): Promise<QuestionStats & { correctRate: number | null; meanTimeMs: number | null }> {
  const shards = await db.collection(QUESTION_STATS).doc(statId(poolKey, questionId)).collection('shards').get();
  const total = shards.docs.reduce((sum, shard) => addStats(sum, shard.data() as Partial<QuestionStats>), emptyStats());
  return { ...total, correctRate: total.answered > 0 ? total.correct / total.answered : null, meanTimeMs: total.answered > 0 ? total.timeMsSum / total.answered : null };
}

/**
 * Flags a question whose answers say its key is wrong or its level is far off (it stops being dealt
 * until an admin keeps or removes it), or relabels its difficulty once it has enough answers.
 * A question an admin set back to active is never flagged again by statistics.
 */
export async function reviewQuestions(db: Firestore, questions: Reviewed[]): Promise<void> {
  for (const { poolKey, questionId } of questions) {
    const [stats, item] = await Promise.all([readQuestionStats(db, poolKey, questionId), poolItems(db, poolKey).doc(questionId).get()]);
    if (!item.exists) continue;
    const data = item.data() as PoolItem;
    const level = (data.difficulty in LEVEL_NORMS ? data.difficulty : 'medium') as Level;
    const verdict = judgeQuestion(stats, data.answerIndex, level, minPlayersToFlag());
    const parent = db.collection(QUESTION_STATS).doc(statId(poolKey, questionId));
    if (verdict.flag) {
      const state = data.state ?? 'active';
      const keptByAdmin = state === 'active' && data.stateBy !== undefined && data.stateBy !== STATS_ACTOR;
      if (state !== 'active' || keptByAdmin) continue;
      await setQuestionState(db, { poolKey, questionId, state: 'flagged', reason: verdict.reason, by: STATS_ACTOR });
      await parent.set({ flaggedAt: new Date().toISOString(), flagReason: verdict.reason, answeredAtFlag: stats.answered }, { merge: true });
    } else if (verdict.recalibrateTo && verdict.recalibrateTo !== data.difficulty) {
      await item.ref.update({ difficulty: verdict.recalibrateTo, difficultyLabelled: (data as { difficultyLabelled?: string }).difficultyLabelled ?? data.difficulty, calibratedAt: new Date().toISOString(), calibratedCorrectRate: verdict.correctRate, calibratedAnswers: stats.answered });
      notifyPoolWritten(poolKey);
      await parent.set({ recalibratedTo: verdict.recalibrateTo, recalibratedAt: new Date().toISOString() }, { merge: true });
    }
  }
}
