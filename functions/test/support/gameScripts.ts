import { type GameEvent, type GameState, applyEvent, initialState, scoreAnswer } from '../../src/games/engine';

// Legal games, generated move by move from the engine's own state: `pick(n)` chooses among n
// legal moves (a fast-check stream in property tests, a PRNG in the bench).

export const TIME_LIMIT_MS = 10_000;

export function question(i: number) {
  return { prompt: `Question ${i}?`, choices: ['a', 'b', 'c', 'd'], answerIndex: i % 4, explanation: `Because ${i}.`, difficulty: 'medium' };
}

export function created(options: { players?: number; questions?: number; gameId?: string } = {}): GameEvent {
  return {
    v: 1, id: 'created', at: 1_000, type: 'GAME_CREATED', gameId: options.gameId ?? 'g1', mode: 'live', createdBy: 'p0',
    pool: { poolKey: 'en|gb|medium|geography|world|mcq|v1', subject: 'geography', level: 'medium', lang: 'en' },
    questionCount: options.questions ?? 6, timeLimitMs: TIME_LIMIT_MS, maxPlayers: options.players ?? 3,
  };
}

/** Every legal next event (with the clock moved by `delta`), or none once the game ended. */
export function legalMoves(state: GameState, delta: number): GameEvent[] {
  const at = state.lastAt + delta;
  const id = `e${state.seq + 1}`;
  const base = { v: 1 as const, id, at };
  const game = state.game!;
  const moves: GameEvent[] = [];
  if (state.status === 'ended') return moves;
  if (state.status === 'lobby' && state.players.length < game.maxPlayers) moves.push({ ...base, type: 'PLAYER_JOINED', playerId: `p${state.players.length}` });
  if ((state.status === 'lobby' || state.status === 'between_rounds') && state.players.length > 0 && state.questions.length < game.questionCount) {
    const count = Math.min(2, game.questionCount - state.questions.length);
    const ids = Array.from({ length: count }, (_, i) => `q${state.questions.length + i}`);
    moves.push({ ...base, type: 'ROUND_STARTED', round: state.roundsPlayed + 1, kind: state.roundsPlayed % 2 === 0 ? 'classic' : 'buzzer', questionIds: ids });
  }
  if (state.status === 'lobby' || state.status === 'between_rounds') moves.push({ ...base, type: 'GAME_ENDED', reason: state.questions.length === game.questionCount ? 'completed' : 'abandoned' });
  if (state.status !== 'in_round') return moves;
  let unscored = false;
  for (const q of state.questions.filter((item) => item.round === state.round!.number)) {
    const unshown = state.players.filter((p) => q.shownTo[p] === undefined);
    if (unshown.length === state.players.length) moves.push({ ...base, type: 'QUESTION_SHOWN', q: q.q, ...question(q.q) });
    for (const p of unshown) moves.push({ ...base, type: 'QUESTION_SHOWN', q: q.q, playerId: p, ...question(q.q) });
    for (const p of state.players) {
      const shownAt = q.shownTo[p];
      const answer = q.answers[p];
      if (shownAt === undefined) continue;
      if (state.round!.kind === 'buzzer' && q.buzzedBy === null) moves.push({ ...base, type: 'BUZZ_PRESSED', q: q.q, playerId: p });
      const mayAnswer = state.round!.kind === 'classic' || q.buzzedBy === p;
      if (!answer && mayAnswer && at - shownAt <= game.timeLimitMs) moves.push({ ...base, type: 'ANSWER_SUBMITTED', q: q.q, playerId: p, choice: (at + q.q) % 4 });
      if (answer && answer.points === null) {
        unscored = true;
        moves.push({ ...base, type: 'SCORE_UPDATED', q: q.q, playerId: p, points: scoreAnswer({ correct: answer.correct, elapsedMs: answer.elapsedMs, timeLimitMs: game.timeLimitMs }) });
      }
    }
  }
  if (!unscored) moves.push({ ...base, type: 'ROUND_ENDED', round: state.round!.number });
  return moves;
}

/** A legal log driven by `choices` (each picks a move and a clock step), ending with GAME_ENDED when `finish`. */
export function legalGame(choices: readonly number[], options: { players?: number; questions?: number; finish?: boolean } = {}): GameEvent[] {
  const events: GameEvent[] = [created(options)];
  let state = applyEvent(initialState(), events[0]!);
  for (const choice of choices) {
    const all = legalMoves(state, choice % 1500);
    if (all.length === 0) break;
    // Ending early is legal but makes short games: take it only now and then.
    const rest = all.filter((m) => m.type !== 'GAME_ENDED');
    const moves = rest.length > 0 && choice % 13 !== 0 ? rest : all;
    const event = moves[choice % moves.length]!;
    events.push(event);
    state = applyEvent(state, event);
  }
  // Finish: score what is unscored, end the round, end the game (the move lists always allow it).
  while (options.finish && state.status !== 'ended') {
    const moves = legalMoves(state, 1);
    const event = moves.find((m) => m.type === 'SCORE_UPDATED') ?? moves.find((m) => m.type === 'ROUND_ENDED') ?? moves.find((m) => m.type === 'GAME_ENDED')!;
    events.push(event);
    state = applyEvent(state, event);
  }
  return events;
}

type CrowdQuestion = { id: string; prompt: string; choices: string[]; answerIndex: number; explanation?: string; difficulty?: string };

/**
 * A finished live game as a game server sends it: `players` players answer every question of one
 * round, player i picking `pick(i, q)`, one answer 10 ms after another.
 */
export function crowdGame(options: {
  gameId: string;
  pool: { poolKey: string; subject: string; level: string; lang: string };
  questions: readonly CrowdQuestion[];
  players: readonly string[];
  pick: (player: number, q: number) => number;
}): GameEvent[] {
  const { gameId, pool, questions, players } = options;
  const t0 = Date.now();
  const e = (event: Record<string, unknown>) => ({ v: 1, ...event }) as GameEvent;
  const events: GameEvent[] = [
    e({ id: 'created', at: t0, type: 'GAME_CREATED', gameId, mode: 'live', createdBy: players[0], pool, questionCount: questions.length, timeLimitMs: 60_000, maxPlayers: players.length }),
    ...players.map((playerId) => e({ id: `join-${playerId}`, at: t0, type: 'PLAYER_JOINED', playerId })),
    e({ id: 'round', at: t0, type: 'ROUND_STARTED', round: 1, kind: 'classic', questionIds: questions.map((q) => q.id) }),
    ...questions.map((q, i) => e({ id: `show-${i}`, at: t0 + 100, type: 'QUESTION_SHOWN', q: i, prompt: q.prompt, choices: q.choices, answerIndex: q.answerIndex, explanation: q.explanation, difficulty: q.difficulty })),
  ];
  players.forEach((playerId, i) => {
    const at = t0 + 1_000 + i * 10;
    questions.forEach((question, q) => {
      const choice = options.pick(i, q);
      events.push(e({ id: `answer-${q}-${playerId}`, at, type: 'ANSWER_SUBMITTED', q, playerId, choice }));
      events.push(e({ id: `score-${q}-${playerId}`, at, type: 'SCORE_UPDATED', q, playerId, points: scoreAnswer({ correct: choice === question.answerIndex, elapsedMs: at - t0 - 100, timeLimitMs: 60_000 }) }));
    });
  });
  const end = t0 + 1_000 + players.length * 10;
  events.push(e({ id: 'round-end', at: end, type: 'ROUND_ENDED', round: 1 }), e({ id: 'end', at: end, type: 'GAME_ENDED', reason: 'completed' }));
  return events;
}
