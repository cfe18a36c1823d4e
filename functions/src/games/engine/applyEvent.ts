import type { EventOf, GameEvent } from './events';
import { gameEventSchema } from './events';
import { scoreAnswer } from './scoring';
import { GAME_DOC_BUDGET_BYTES, maxQuestionsFor, slotsBytes } from './size';
import { type GameState, initialState, type QuestionState } from './state';

export type GameRuleCode =
  | 'INVALID_EVENT' | 'NOT_CREATED' | 'ALREADY_CREATED' | 'AFTER_GAME_ENDED' | 'CLOCK_BACKWARDS'
  | 'NOT_A_PLAYER' | 'ALREADY_JOINED' | 'JOIN_AFTER_START' | 'GAME_FULL'
  | 'NO_PLAYERS' | 'ROUND_IN_PROGRESS' | 'NO_ROUND' | 'WRONG_ROUND' | 'TOO_MANY_QUESTIONS'
  | 'UNKNOWN_QUESTION' | 'NOT_IN_ROUND' | 'ALREADY_SHOWN' | 'CONTENT_MISMATCH' | 'BAD_CHOICE'
  | 'NOT_SHOWN' | 'AFTER_ROUND_ENDED' | 'NOT_BUZZER_ROUND' | 'ALREADY_BUZZED' | 'NOT_BUZZ_WINNER'
  | 'ALREADY_ANSWERED' | 'TIME_UP' | 'NO_ANSWER' | 'ALREADY_SCORED' | 'WRONG_POINTS' | 'UNSCORED_ANSWERS' | 'GAME_TOO_LARGE';

/** An event the rules forbid, said the way a person reads a log: "event 12: ANSWER_SUBMITTED for question 4 after ROUND_ENDED". */
export class GameRuleError extends Error {
  override readonly name = 'GameRuleError';
  constructor(readonly seq: number, readonly eventType: string, readonly code: GameRuleCode, readonly reason: string, q?: number) {
    super(`event ${seq}: ${eventType}${q === undefined ? '' : ` for question ${q}`} ${reason}`);
  }
}

/** Parses an untrusted event (a game server's, a stored one) or throws a GameRuleError naming it. */
export function parseEvent(raw: unknown, seq: number): GameEvent {
  const result = gameEventSchema.safeParse(raw);
  if (result.success) return result.data;
  const type = raw && typeof raw === 'object' && typeof (raw as { type?: unknown }).type === 'string' ? (raw as { type: string }).type : 'event';
  const problems = result.error.issues.slice(0, 5).map((issue) => `${issue.path.join('.') || 'event'}: ${issue.message}`);
  throw new GameRuleError(seq, type, 'INVALID_EVENT', `is malformed (${problems.join('; ')})`);
}

/**
 * The only way a game changes. Pure: returns a new state (sharing untouched parts) or throws a
 * GameRuleError; the input state is never modified.
 */
export function applyEvent(state: GameState, event: GameEvent): GameState {
  const seq = state.seq + 1;
  const q = 'q' in event ? event.q : undefined;
  const fail = (code: GameRuleCode, reason: string): never => {
    throw new GameRuleError(seq, event.type, code, reason, q);
  };
  if (state.status === 'ended') fail('AFTER_GAME_ENDED', 'after GAME_ENDED');
  if (event.type !== 'GAME_CREATED' && state.status === 'new') fail('NOT_CREATED', 'before GAME_CREATED');
  if (event.at < state.lastAt) fail('CLOCK_BACKWARDS', `at ${event.at} is earlier than the event before it (${state.lastAt})`);
  const next = reduce(state, event, fail);
  return { ...next, seq, lastAt: event.at };
}

type Fail = (code: GameRuleCode, reason: string) => never;

function reduce(state: GameState, event: GameEvent, fail: Fail): GameState {
  switch (event.type) {
    case 'GAME_CREATED': {
      if (state.status !== 'new') fail('ALREADY_CREATED', 'after GAME_CREATED');
      if (slotsBytes(event.questionCount, event.maxPlayers) > GAME_DOC_BUDGET_BYTES) {
        fail('GAME_TOO_LARGE', `of ${event.maxPlayers} players × ${event.questionCount} questions: a game document would pass Firestore's 1 MiB (at most ${maxQuestionsFor(event.maxPlayers)} questions for ${event.maxPlayers} players)`);
      }
      // Field by field: a stored event may carry more (its seq), which is not part of the game.
      const { gameId, mode, createdBy, pool, questionCount, timeLimitMs, maxPlayers, joinCode } = event;
      const game = { gameId, mode, createdBy, pool: { ...pool }, questionCount, timeLimitMs, maxPlayers, createdAt: event.at, ...(joinCode === undefined ? {} : { joinCode }) };
      return { ...state, status: 'lobby', game };
    }
    case 'PLAYER_JOINED': {
      if (state.players.includes(event.playerId)) fail('ALREADY_JOINED', `by ${event.playerId}, who already joined`);
      if (state.status !== 'lobby') fail('JOIN_AFTER_START', `by ${event.playerId} after the first ROUND_STARTED`);
      if (state.players.length >= state.game!.maxPlayers) fail('GAME_FULL', `by ${event.playerId}: the game is full (${state.game!.maxPlayers})`);
      return { ...state, players: [...state.players, event.playerId], scores: { ...state.scores, [event.playerId]: 0 } };
    }
    case 'ROUND_STARTED': {
      if (state.status === 'in_round') fail('ROUND_IN_PROGRESS', `${event.round} before ROUND_ENDED of round ${state.round!.number}`);
      if (state.players.length === 0) fail('NO_PLAYERS', 'with no player');
      if (event.round !== state.roundsPlayed + 1) fail('WRONG_ROUND', `${event.round}, expected round ${state.roundsPlayed + 1}`);
      if (state.questions.length + event.questionIds.length > state.game!.questionCount) {
        fail('TOO_MANY_QUESTIONS', `deals ${event.questionIds.length} questions; the game has ${state.game!.questionCount - state.questions.length} left`);
      }
      const dealt: QuestionState[] = event.questionIds.map((questionId, i) => ({
        q: state.questions.length + i, questionId, round: event.round, content: null, shownTo: {}, buzzedBy: null, answers: {},
      }));
      return { ...state, status: 'in_round', round: { number: event.round, kind: event.kind, startedAt: event.at }, questions: [...state.questions, ...dealt] };
    }
    case 'QUESTION_SHOWN':
      return questionShown(state, event, fail);
    case 'BUZZ_PRESSED': {
      const question = openQuestion(state, event.q, event.playerId, fail);
      if (state.round!.kind !== 'buzzer') fail('NOT_BUZZER_ROUND', `by ${event.playerId} in a ${state.round!.kind} round`);
      if (question.buzzedBy !== null) fail('ALREADY_BUZZED', `by ${event.playerId}: ${question.buzzedBy} already won the buzz`);
      return withQuestion(state, { ...question, buzzedBy: event.playerId });
    }
    case 'ANSWER_SUBMITTED': {
      const question = openQuestion(state, event.q, event.playerId, fail);
      if (question.answers[event.playerId]) fail('ALREADY_ANSWERED', `by ${event.playerId}, who already answered it`);
      if (state.round!.kind === 'buzzer' && question.buzzedBy !== event.playerId) {
        fail('NOT_BUZZ_WINNER', `by ${event.playerId}, who did not win the buzz (${question.buzzedBy ?? 'nobody buzzed'})`);
      }
      if (event.choice >= question.content!.choices.length) fail('BAD_CHOICE', `with choice ${event.choice} of ${question.content!.choices.length}`);
      const elapsedMs = event.at - question.shownTo[event.playerId]!;
      if (elapsedMs > state.game!.timeLimitMs) fail('TIME_UP', `by ${event.playerId} ${elapsedMs} ms after it was shown (limit ${state.game!.timeLimitMs} ms)`);
      const answer = { choice: event.choice, correct: event.choice === question.content!.answerIndex, at: event.at, elapsedMs, points: null };
      return withQuestion(state, { ...question, answers: { ...question.answers, [event.playerId]: answer } });
    }
    case 'SCORE_UPDATED': {
      const question = state.questions[event.q];
      if (!question) return fail('UNKNOWN_QUESTION', 'that was never dealt');
      const answer = question.answers[event.playerId];
      if (!answer) return fail('NO_ANSWER', `by ${event.playerId} without an ANSWER_SUBMITTED`);
      if (answer.points !== null) fail('ALREADY_SCORED', `by ${event.playerId}, already scored`);
      const expected = scoreAnswer({ correct: answer.correct, elapsedMs: answer.elapsedMs, timeLimitMs: state.game!.timeLimitMs });
      if (event.points !== expected) fail('WRONG_POINTS', `by ${event.playerId}: ${event.points} points, the answer is worth ${expected}`);
      const scored = withQuestion(state, { ...question, answers: { ...question.answers, [event.playerId]: { ...answer, points: expected } } });
      return { ...scored, scores: { ...state.scores, [event.playerId]: (state.scores[event.playerId] ?? 0) + expected } };
    }
    case 'ROUND_ENDED': {
      if (state.status !== 'in_round') fail('NO_ROUND', `${event.round} with no round in progress`);
      if (state.round!.number !== event.round) fail('WRONG_ROUND', `${event.round} while round ${state.round!.number} is in progress`);
      if (hasUnscored(state)) fail('UNSCORED_ANSWERS', `${event.round} before every answer got its SCORE_UPDATED`);
      return { ...state, status: 'between_rounds', round: null, roundsPlayed: state.roundsPlayed + 1 };
    }
    case 'GAME_ENDED': {
      if (state.status === 'in_round') fail('ROUND_IN_PROGRESS', `before ROUND_ENDED of round ${state.round!.number}`);
      return { ...state, status: 'ended', endedAt: event.at, endReason: event.reason };
    }
  }
}

function questionShown(state: GameState, event: EventOf<'QUESTION_SHOWN'>, fail: Fail): GameState {
  const question = state.questions[event.q];
  if (!question) return fail('UNKNOWN_QUESTION', 'that was never dealt');
  if (question.round <= state.roundsPlayed) fail('AFTER_ROUND_ENDED', 'after ROUND_ENDED');
  if (state.status !== 'in_round' || state.round!.number !== question.round) fail('NOT_IN_ROUND', 'outside its round');
  const content = { prompt: event.prompt, choices: event.choices, answerIndex: event.answerIndex, explanation: event.explanation, difficulty: event.difficulty };
  if (content.answerIndex >= content.choices.length) fail('BAD_CHOICE', `with key ${content.answerIndex} of ${content.choices.length} choices`);
  if (question.content && JSON.stringify(question.content) !== JSON.stringify(content)) fail('CONTENT_MISMATCH', 'with content unlike its first showing');
  const targets = event.playerId === undefined ? state.players : [event.playerId];
  if (event.playerId !== undefined && !state.players.includes(event.playerId)) fail('NOT_A_PLAYER', `to ${event.playerId}, who is not a player`);
  const shownTo = { ...question.shownTo };
  for (const player of targets) {
    if (shownTo[player] !== undefined) fail('ALREADY_SHOWN', `to ${player}, who was already shown it`);
    shownTo[player] = event.at;
  }
  return withQuestion(state, { ...question, content, shownTo });
}

/** The question a player may act on now, or the rule it breaks. */
function openQuestion(state: GameState, q: number, playerId: string, fail: Fail): QuestionState {
  if (!state.players.includes(playerId)) fail('NOT_A_PLAYER', `by ${playerId}, who is not a player`);
  const question = state.questions[q];
  if (!question) return fail('UNKNOWN_QUESTION', 'that was never dealt');
  if (question.round <= state.roundsPlayed) fail('AFTER_ROUND_ENDED', 'after ROUND_ENDED');
  if (state.status !== 'in_round' || state.round!.number !== question.round) fail('NOT_IN_ROUND', 'outside its round');
  if (question.shownTo[playerId] === undefined) fail('NOT_SHOWN', `by ${playerId} before QUESTION_SHOWN`);
  return question;
}

function withQuestion(state: GameState, question: QuestionState): GameState {
  const questions = state.questions.slice();
  questions[question.q] = question;
  return { ...state, questions };
}

function hasUnscored(state: GameState): boolean {
  return state.questions.some((question) => question.round === state.round?.number && Object.values(question.answers).some((answer) => answer.points === null));
}

/** Folds a log from the start (or from a state already folded up to `from.seq`). */
export function replay(events: readonly GameEvent[], from: GameState = initialState()): GameState {
  let state = from;
  for (const event of events) state = applyEvent(state, event);
  return state;
}
