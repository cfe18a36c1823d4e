import type { Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import { NotFoundError, ResourceExhaustedError } from '../shared/errors';
import { parseInput } from '../shared/validation';
import { type AcceptDeps, acceptGenerationRequest } from '../generation/acceptGenerationRequest';
import { MAX_TARGET_COUNT, poolKeyOf, poolParamsSchema } from '../questions/poolParams';
import type { PoolCache } from '../pools/poolCache';
import { drawUnseen, recordAnswers } from '../pools/seenMemory';

export const MAX_DRAW = 50;
/** A short pool is topped up to this many dealable questions (or the draw size, if larger). */
export const DEFAULT_POOL_TARGET = 100;

export const drawRequestSchema = z.strictObject({
  pool: poolParamsSchema,
  count: z.int({ error: 'must be an integer' }).min(1, 'must be at least 1').max(MAX_DRAW, `must be at most ${MAX_DRAW}`),
});

const questionIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'must be a question id from drawQuestions');

export const checkAnswersSchema = z.strictObject({
  pool: poolParamsSchema,
  answers: z
    .array(z.strictObject({ questionId: questionIdSchema, choice: z.int({ error: 'must be an integer' }).min(0, 'must be at least 0').max(5, 'must be at most 5') }))
    .min(1, 'must hold at least one answer')
    .max(MAX_DRAW, `must hold at most ${MAX_DRAW} answers`),
});

/** What a player sees before answering: no answer, no explanation (those come from checkAnswers). */
export type DrawnQuestion = { id: string; prompt: string; choices: string[]; difficulty: string };

export type DrawResult = {
  poolKey: string;
  questions: DrawnQuestion[];
  poolSize: number;
  /** Present when the pool was short and a generation request now tops it up. */
  generating?: { requestKey: string; status: string };
  /** Present when the pool was short but the caller's quota allows no new work until then. */
  quotaResetsAt?: string;
};

/** The first answer to a dealt question learns its key; a second answer learns nothing. */
export type CheckedAnswer =
  | { questionId: string; correct: boolean; answerIndex: number; explanation: string }
  | { questionId: string; alreadyAnswered: true };

export type DrawDeps = AcceptDeps & { firestore: Firestore; poolCache: PoolCache };

/**
 * N questions of a pool that this player has not seen this round, from the instance cache.
 * A short pool also gets an ensure-request (deduplicated, so a storm of draws is one request).
 * `admit` is the caller's admission (the rate token): it runs beside the seen-memory read, so a
 * warm draw is two round trips (rate token ∥ memory read, then the memory commit), and a refused
 * caller is dealt nothing and records nothing.
 */
export async function drawQuestions(deps: DrawDeps, uid: string, input: unknown, admit?: () => Promise<unknown>): Promise<DrawResult> {
  const request = parseInput(drawRequestSchema, input);
  const poolKey = poolKeyOf(request.pool);
  // A short pool is re-checked (its count, about once a second), not re-read on every draw.
  const ids = await deps.poolCache.poolIds(poolKey, request.count);
  const picked = await drawUnseen(deps.firestore, uid, poolKey, ids, request.count, admit);
  const questions = await deps.poolCache.questionsOf(poolKey, picked);
  const result: DrawResult = {
    poolKey,
    poolSize: ids.length,
    questions: questions.map(({ id, prompt, choices, difficulty }) => ({ id, prompt, choices, difficulty })),
  };
  if (ids.length < request.count) {
    // A short pool is being filled (by this request or another): poolIds above sees the fill
    // through the pool's count within about a second, so a draw after "done" gets the new questions.
    try {
      // A target counts every stored question, but flagged and removed ones are never dealt: they
      // are added to it, so the pool is topped up for them (attack 6 in docs/security.md).
      const notDealable = Math.max(0, (deps.poolCache.storedCount(poolKey) ?? ids.length) - ids.length);
      const accepted = await acceptGenerationRequest(deps, uid, {
        pool: request.pool,
        targetCount: Math.min(MAX_TARGET_COUNT, Math.max(DEFAULT_POOL_TARGET, request.count) + notDealable),
      });
      result.generating = { requestKey: accepted.requestKey, status: accepted.status };
    } catch (error) {
      // A spent quota must not cost the player the questions that do exist.
      if (!(error instanceof ResourceExhaustedError)) throw error;
      result.quotaResetsAt = error.resetAt.toISOString();
    }
  }
  return result;
}

/**
 * The answer submission: the first answer to each question dealt to this player is recorded and
 * judged (with the key and explanation); an answer to a question already answered since it was
 * dealt learns nothing; a question not dealt to the player refuses the call. `admit` (the rate
 * token, worth one per answer: the limit counts keys revealed, not calls) runs beside the memory
 * read; the recording is the only write — one read and one write on the call's path.
 */
export async function checkAnswers(deps: DrawDeps, uid: string, input: unknown, admit?: (answers: number) => Promise<unknown>): Promise<CheckedAnswer[]> {
  const request = parseInput(checkAnswersSchema, input);
  const poolKey = poolKeyOf(request.pool);
  const ids = request.answers.map((answer) => answer.questionId);
  const recorded = await recordAnswers(deps.firestore, uid, poolKey, ids, admit && (() => admit(new Set(ids).size)));
  if (recorded.notDealt.length > 0) throw new NotFoundError(`Not drawn for you in this pool: ${recorded.notDealt.join(', ')}`);
  const first = new Set(recorded.first);
  const questions = new Map((await deps.poolCache.questionsOf(poolKey, recorded.first)).map((q) => [q.id, q]));
  // Within one call the first answer to a question counts; a repeat in the same call is a second answer.
  const judged = new Set<string>();
  return request.answers.map(({ questionId, choice }): CheckedAnswer => {
    if (!first.has(questionId) || judged.has(questionId)) return { questionId, alreadyAnswered: true };
    judged.add(questionId);
    const question = questions.get(questionId);
    if (!question) throw new NotFoundError(`No question ${questionId} in this pool.`);
    return { questionId, correct: choice === question.answerIndex, answerIndex: question.answerIndex, explanation: question.explanation };
  });
}
