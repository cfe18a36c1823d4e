import { randomBytes, randomInt } from 'node:crypto';
import type { Firestore } from 'firebase-admin/firestore';
import { poolKeyOf } from '../questions/poolParams';
import type { PoolCache } from '../pools/poolCache';
import { FailedPreconditionError, NotFoundError } from '../shared/errors';
import { parseInput } from '../shared/validation';
import {
  createGameInput, type CreateGameOutput, gameRefInput, joinGameInput, type JoinGameOutput, type NextQuestionOutput,
  type StartGameOutput, submitAnswerInput, type SubmitAnswerOutput,
} from './contract';
import { dealQuestions } from './dealQuestions';
import { type GameEvent, type GameState, applyEvent, replay, scoreAnswer } from './engine';
import { appendEvents, readGameState } from './gameLog';
import { holdForGame } from '../pools/seenMemory';
import { afterAppend } from './finishedGame';

// Async play (solo, turn-based duels): every event is built here from the state read in the append
// transaction and stamped with the server's clock; the engine decides whether it is legal.

export type GameDeps = { firestore: Firestore; poolCache: PoolCache };

const GAME_CODES = 'game_codes';
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function newCode(): string {
  return Array.from({ length: 6 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join('');
}

function requirePlayer(state: GameState, gameId: string, uid: string): void {
  // Not a player and no such game look the same: a game id reveals nothing to outsiders.
  if (state.status === 'new' || !state.players.includes(uid)) throw new NotFoundError(`No game ${gameId} of yours.`);
}

/** After the events of a call: the game ends once every player answered every question or ran out of time on it. */
function withEnding(state: GameState, events: GameEvent[], now: number): GameEvent[] {
  const after = replay(events, state);
  if (after.status !== 'in_round' || after.questions.length < after.game!.questionCount) return events;
  let allAnswered = true;
  for (const question of after.questions) {
    for (const player of after.players) {
      if (question.answers[player]) continue;
      allAnswered = false;
      const shownAt = question.shownTo[player];
      if (shownAt === undefined || now - shownAt <= after.game!.timeLimitMs) return events;
    }
  }
  const round = after.round!.number;
  return [
    ...events,
    { v: 1, id: `round-ended:${round}`, at: now, type: 'ROUND_ENDED', round },
    { v: 1, id: 'game-ended', at: now, type: 'GAME_ENDED', reason: allAnswered ? 'completed' : 'time_up' },
  ];
}

export async function createGame(deps: GameDeps, uid: string, input: unknown): Promise<CreateGameOutput> {
  const request = parseInput(createGameInput, input);
  const poolKey = poolKeyOf(request.pool);
  const poolSize = (await deps.poolCache.poolIds(poolKey)).length;
  if (poolSize < request.questionCount) {
    throw new FailedPreconditionError(`Pool ${poolKey} holds ${poolSize} active questions; a game of ${request.questionCount} needs that many (drawQuestions starts its generation).`);
  }
  const gameId = randomBytes(10).toString('hex');
  let joinCode: string | undefined;
  if (request.mode === 'duel') {
    for (let attempt = 0; !joinCode; attempt++) {
      const code = newCode();
      try {
        await deps.firestore.collection(GAME_CODES).doc(code).create({ gameId, createdAt: Date.now() });
        joinCode = code;
      } catch (error) {
        if ((error as { code?: number }).code !== 6 || attempt >= 5) throw error; // 6 = ALREADY_EXISTS
      }
    }
  }
  const outcome = await appendEvents(deps.firestore, gameId, (state, now) => {
    if (state.status !== 'new') return [];
    return [
      {
        v: 1, id: 'created', at: now, type: 'GAME_CREATED', gameId, mode: request.mode, createdBy: uid,
        pool: { poolKey, subject: request.pool.subject, level: request.pool.level, lang: request.pool.lang },
        questionCount: request.questionCount, timeLimitMs: request.timeLimitSeconds * 1000,
        maxPlayers: request.mode === 'duel' ? 2 : 1, ...(joinCode ? { joinCode } : {}),
      },
      { v: 1, id: `join:${uid}`, at: now, type: 'PLAYER_JOINED', playerId: uid },
    ];
  });
  void outcome;
  return { gameId, joinCode: joinCode ?? null };
}

export async function joinGame(deps: GameDeps, uid: string, input: unknown): Promise<JoinGameOutput> {
  const { code } = parseInput(joinGameInput, input);
  const snapshot = await deps.firestore.collection(GAME_CODES).doc(code).get();
  if (!snapshot.exists) throw new NotFoundError(`No game with code ${code}.`);
  const gameId = snapshot.get('gameId') as string;
  await appendEvents(deps.firestore, gameId, (state, now) =>
    state.players.includes(uid) ? [] : [{ v: 1, id: `join:${uid}`, at: now, type: 'PLAYER_JOINED', playerId: uid }]);
  return { gameId };
}

export async function startGame(deps: GameDeps, uid: string, input: unknown): Promise<StartGameOutput> {
  const { gameId } = parseInput(gameRefInput, input);
  const current = await readGameState(deps.firestore, gameId);
  if (!current) throw new NotFoundError(`No game ${gameId} of yours.`);
  requirePlayer(current, gameId, uid);
  const game = current.game!;
  if (current.status === 'lobby') {
    if (game.createdBy !== uid) throw new FailedPreconditionError('Only the player who created the game starts it.');
    if (game.mode === 'duel' && current.players.length < 2) throw new FailedPreconditionError('A duel starts once a second player joined with the code.');
    const poolIds = await deps.poolCache.poolIds(game.pool.poolKey);
    const questionIds = await dealQuestions(deps.firestore, game.pool.poolKey, poolIds, current.players, game.questionCount);
    if (questionIds.length < game.questionCount) throw new FailedPreconditionError(`Pool ${game.pool.poolKey} no longer holds ${game.questionCount} active questions.`);
    // The round's id makes a retried start the same event; a start that raced another is a duplicate.
    await appendEvents(deps.firestore, gameId, (state, now) =>
      state.status === 'lobby' && state.players.length === current.players.length
        ? [{ v: 1, id: 'round:1', at: now, type: 'ROUND_STARTED', round: 1, kind: 'classic', questionIds }]
        : []);
  }
  const state = (await readGameState(deps.firestore, gameId))!;
  if (state.status === 'lobby') throw new FailedPreconditionError('The players changed while starting; start again.');
  // Before any question is shown: practice draws must not deal (and checkAnswers reveal) them.
  if (state.status !== 'ended') await holdForGame(deps.firestore, game.pool.poolKey, state.players, state.questions.map((question) => question.questionId));
  return { gameId, questionCount: state.game!.questionCount, players: state.players };
}

export async function nextQuestion(deps: GameDeps, uid: string, input: unknown): Promise<NextQuestionOutput> {
  const { gameId } = parseInput(gameRefInput, input);
  let shown: number | undefined;
  const outcome = await appendEvents(deps.firestore, gameId, async (state, now) => {
    requirePlayer(state, gameId, uid);
    shown = undefined;
    if (state.status === 'lobby') throw new FailedPreconditionError('The game has not started.');
    if (state.status !== 'in_round') return [];
    const mine = state.questions.filter((question) => question.round === state.round!.number);
    const current = [...mine].reverse().find((question) => question.shownTo[uid] !== undefined);
    // The question in front of the player stays there until answered or out of time.
    if (current && !current.answers[uid] && now - current.shownTo[uid]! <= state.game!.timeLimitMs) {
      shown = current.q;
      return [];
    }
    const next = mine.find((question) => question.shownTo[uid] === undefined);
    if (!next) return withEnding(state, [], now);
    const [content] = await deps.poolCache.questionsOf(state.game!.pool.poolKey, [next.questionId]);
    if (!content) throw new FailedPreconditionError(`Question ${next.questionId} is no longer in its pool.`);
    shown = next.q;
    return [{
      v: 1, id: `show:${uid}:${next.q}`, at: now, type: 'QUESTION_SHOWN', q: next.q, playerId: uid,
      prompt: content.prompt, choices: content.choices, answerIndex: content.answerIndex, explanation: content.explanation, difficulty: content.difficulty,
    }];
  });
  await afterAppend(deps.firestore, outcome);
  const state = outcome.state;
  if (shown === undefined) return { done: true, status: state.status };
  const question = state.questions[shown]!;
  const shownAt = question.shownTo[uid]!;
  return {
    done: false, q: question.q, handle: `${gameId}.${question.q}`, prompt: question.content!.prompt, choices: question.content!.choices,
    difficulty: question.content!.difficulty, shownAt, deadline: shownAt + state.game!.timeLimitMs,
    questionsLeft: state.questions.filter((item) => item.shownTo[uid] === undefined).length,
  };
}

export async function submitAnswer(deps: GameDeps, uid: string, input: unknown): Promise<SubmitAnswerOutput> {
  const { gameId, q, choice } = parseInput(submitAnswerInput, input);
  const outcome = await appendEvents(deps.firestore, gameId, (state, now) => {
    requirePlayer(state, gameId, uid);
    const earlier = state.questions[q]?.answers[uid];
    // A retry of the same answer gets the same reply; a different one is a second answer, refused by the engine.
    if (earlier && earlier.choice === choice) return [];
    const answer: GameEvent = { v: 1, id: `answer:${uid}:${q}`, at: now, type: 'ANSWER_SUBMITTED', q, playerId: uid, choice };
    const recorded = applyEvent(state, answer).questions[q]!.answers[uid]!;
    const points = scoreAnswer({ correct: recorded.correct, elapsedMs: recorded.elapsedMs, timeLimitMs: state.game!.timeLimitMs });
    return withEnding(state, [answer, { v: 1, id: `score:${uid}:${q}`, at: now, type: 'SCORE_UPDATED', q, playerId: uid, points }], now);
  }, { expectedIds: [`answer:${uid}:${q}`, `score:${uid}:${q}`] });
  await afterAppend(deps.firestore, outcome);
  const state = outcome.state;
  const question = state.questions[q]!;
  const answer = question.answers[uid]!;
  return {
    q, choice: answer.choice, correct: answer.correct, answerIndex: question.content!.answerIndex, explanation: question.content!.explanation,
    points: answer.points ?? 0, score: state.scores[uid] ?? 0, elapsedMs: answer.elapsedMs, gameStatus: state.status,
  };
}
