import { z } from 'zod';

// The canonical events of a game (seed 001), version 1. A game server and these functions share
// this file: it imports nothing but zod. Times are milliseconds since the epoch, stamped by a
// server clock (never a player's).

export const EVENT_VERSION = 1;
export const MAX_QUESTIONS = 200;
export const MAX_PLAYERS = 500;
export const MAX_CHOICES = 6;

const id = z.string().min(1).max(128).regex(/^[A-Za-z0-9_:.\-]+$/, 'may contain only letters, digits and _ : . -');
const playerId = z.string().min(1).max(128);
const at = z.int().min(0);
const q = z.int().min(0).max(MAX_QUESTIONS - 1);
const base = { v: z.literal(EVENT_VERSION), id, at };

export const gameModes = ['solo', 'duel', 'live'] as const;
export const roundKinds = ['classic', 'buzzer'] as const;

export const gameCreatedSchema = z.strictObject({
  ...base,
  type: z.literal('GAME_CREATED'),
  gameId: z.string().min(1).max(128),
  mode: z.enum(gameModes),
  createdBy: playerId,
  /** Where the questions come from; subject and level feed per-player stats. */
  pool: z.strictObject({ poolKey: z.string().min(1).max(300), subject: z.string().max(60), level: z.string().max(20), lang: z.string().max(8) }),
  questionCount: z.int().min(1).max(MAX_QUESTIONS),
  timeLimitMs: z.int().min(1_000).max(3_600_000),
  maxPlayers: z.int().min(1).max(MAX_PLAYERS),
  /** The short code others join with (async duels). */
  joinCode: z.string().min(4).max(12).optional(),
});

export const playerJoinedSchema = z.strictObject({ ...base, type: z.literal('PLAYER_JOINED'), playerId });

/** A round deals its questions: they take the next indexes of the game. */
export const roundStartedSchema = z.strictObject({
  ...base,
  type: z.literal('ROUND_STARTED'),
  round: z.int().min(1),
  kind: z.enum(roundKinds),
  questionIds: z.array(z.string().min(1).max(128)).min(1).max(MAX_QUESTIONS),
});

/**
 * A question is put in front of one player (async play, `playerId`) or all players (live).
 * It carries its content and key, so the log is the whole history even if the pool changes;
 * that is why events are readable by players only once the game has ended.
 */
export const questionShownSchema = z.strictObject({
  ...base,
  type: z.literal('QUESTION_SHOWN'),
  q,
  playerId: playerId.optional(),
  prompt: z.string().min(1).max(1000),
  choices: z.array(z.string().min(1).max(300)).min(2).max(MAX_CHOICES),
  answerIndex: z.int().min(0).max(MAX_CHOICES - 1),
  explanation: z.string().max(2000),
  difficulty: z.string().max(20),
});

export const buzzPressedSchema = z.strictObject({ ...base, type: z.literal('BUZZ_PRESSED'), q, playerId });

export const answerSubmittedSchema = z.strictObject({ ...base, type: z.literal('ANSWER_SUBMITTED'), q, playerId, choice: z.int().min(0).max(MAX_CHOICES - 1) });

export const scoreUpdatedSchema = z.strictObject({ ...base, type: z.literal('SCORE_UPDATED'), q, playerId, points: z.int() });

export const roundEndedSchema = z.strictObject({ ...base, type: z.literal('ROUND_ENDED'), round: z.int().min(1) });

export const gameEndedSchema = z.strictObject({ ...base, type: z.literal('GAME_ENDED'), reason: z.enum(['completed', 'time_up', 'abandoned']) });

export const gameEventSchema = z.discriminatedUnion('type', [
  gameCreatedSchema,
  playerJoinedSchema,
  roundStartedSchema,
  questionShownSchema,
  buzzPressedSchema,
  answerSubmittedSchema,
  scoreUpdatedSchema,
  roundEndedSchema,
  gameEndedSchema,
]);

export type GameEvent = z.infer<typeof gameEventSchema>;
export type GameEventType = GameEvent['type'];
export type EventOf<T extends GameEventType> = Extract<GameEvent, { type: T }>;
export const EVENT_TYPES = gameEventSchema.options.map((option) => option.shape.type.value) as GameEventType[];
