import { randomInt } from 'node:crypto';
import type { Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import { parseInput } from '../shared/validation';
import { type AcceptDeps, acceptGenerationRequest } from '../generation/acceptGenerationRequest';
import { poolKeyOf, poolParamsSchema } from '../generation/poolParams';
import { listPoolQuestionIds, readPoolQuestions } from './poolStore';

export const MAX_DRAW = 50;
/** A short pool is topped up to this size (or the draw size, if larger). */
export const DEFAULT_POOL_TARGET = 100;

export const drawRequestSchema = z.strictObject({
  pool: poolParamsSchema,
  count: z.int({ error: 'must be an integer' }).min(1, 'must be at least 1').max(MAX_DRAW, `must be at most ${MAX_DRAW}`),
});

export type DrawnQuestion = {
  id: string;
  prompt: string;
  choices: string[];
  answerIndex: number;
  explanation: string;
  difficulty: string;
};

export type DrawResult = {
  poolKey: string;
  questions: DrawnQuestion[];
  poolSize: number;
  /** Present when the pool was short and a generation request now tops it up. */
  generating?: { requestKey: string; status: string };
};

export type DrawDeps = AcceptDeps & { firestore: Firestore };

function sample<T>(items: readonly T[], count: number): T[] {
  const copy = [...items];
  const size = Math.min(count, copy.length);
  for (let i = 0; i < size; i++) {
    const j = i + randomInt(copy.length - i);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, size);
}

export async function drawQuestions(deps: DrawDeps, uid: string, input: unknown): Promise<DrawResult> {
  const request = parseInput(drawRequestSchema, input);
  const poolKey = poolKeyOf(request.pool);
  const ids = await listPoolQuestionIds(deps.firestore, poolKey);
  const questions = await readPoolQuestions(deps.firestore, poolKey, sample(ids, request.count));
  const result: DrawResult = {
    poolKey,
    poolSize: ids.length,
    questions: questions.map(({ id, prompt, choices, answerIndex, explanation, difficulty }) => ({ id, prompt, choices, answerIndex, explanation, difficulty })),
  };
  if (ids.length < request.count) {
    const accepted = await acceptGenerationRequest(deps, uid, {
      pool: request.pool,
      targetCount: Math.max(DEFAULT_POOL_TARGET, request.count),
    });
    result.generating = { requestKey: accepted.requestKey, status: accepted.status };
  }
  return result;
}
