import { z } from 'zod';
import { poolParamsSchema } from '../questions/poolParams';
import { MAX_CHOICES } from './engine';

// Inputs and replies of the game callables: parsed on the way in, exported as JSON Schema for apps.

export const MAX_GAME_QUESTIONS = 50;
const gameId = z.string().regex(/^[a-f0-9]{20}$/, 'must be a game id from createGame');
const q = z.int({ error: 'must be an integer' }).min(0, 'must be at least 0').max(MAX_GAME_QUESTIONS - 1);

export const createGameInput = z.strictObject({
  pool: poolParamsSchema,
  questionCount: z.int({ error: 'must be an integer' }).min(1, 'must be at least 1').max(MAX_GAME_QUESTIONS, `must be at most ${MAX_GAME_QUESTIONS}`),
  mode: z.enum(['solo', 'duel'], { error: 'must be solo or duel' }),
  timeLimitSeconds: z.int({ error: 'must be an integer' }).min(2, 'must be at least 2').max(300, 'must be at most 300').default(20),
});
export const createGameOutput = z.object({ gameId: z.string(), joinCode: z.string().nullable() });

export const joinGameInput = z.strictObject({ code: z.string().trim().toUpperCase().regex(/^[A-Z0-9]{6}$/, 'must be a 6-character game code') });
export const joinGameOutput = z.object({ gameId: z.string() });

export const gameRefInput = z.strictObject({ gameId });
export const startGameOutput = z.object({ gameId: z.string(), questionCount: z.int(), players: z.array(z.string()) });

export const nextQuestionOutput = z.discriminatedUnion('done', [
  z.object({
    done: z.literal(false),
    q: z.int(),
    handle: z.string().describe('this question in this game (<gameId>.<q>); it names no pool question, so nothing outside the game resolves it'),
    prompt: z.string(),
    choices: z.array(z.string()).max(MAX_CHOICES),
    difficulty: z.string(),
    shownAt: z.int().describe('server time (ms) the question was shown to you; speed counts from here'),
    deadline: z.int().describe('server time (ms) after which an answer is refused'),
    questionsLeft: z.int(),
  }),
  z.object({ done: z.literal(true), status: z.string() }),
]);

export const submitAnswerInput = z.strictObject({ gameId, q, choice: z.int({ error: 'must be an integer' }).min(0, 'must be at least 0').max(MAX_CHOICES - 1) });
export const submitAnswerOutput = z.object({
  q: z.int(),
  choice: z.int(),
  correct: z.boolean(),
  answerIndex: z.int(),
  explanation: z.string(),
  points: z.int(),
  score: z.int().describe('your points so far'),
  elapsedMs: z.int(),
  gameStatus: z.string(),
});

export const rebuildGameOutput = z.object({ gameId: z.string(), seq: z.int(), projectionWasCurrent: z.boolean() });

export type CreateGameOutput = z.infer<typeof createGameOutput>;
export type JoinGameOutput = z.infer<typeof joinGameOutput>;
export type StartGameOutput = z.infer<typeof startGameOutput>;
export type NextQuestionOutput = z.infer<typeof nextQuestionOutput>;
export type SubmitAnswerOutput = z.infer<typeof submitAnswerOutput>;
export type RebuildGameOutput = z.infer<typeof rebuildGameOutput>;
