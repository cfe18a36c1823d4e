import fc from 'fast-check';
import { type GameEvent, type GameState, GameRuleError, applyEvent, gameEventSchema, initialState, maxQuestionsFor, parseEvent, replay, scoreAnswer } from '../src/games/engine';
import { created, legalGame, question, TIME_LIMIT_MS } from './support/gameScripts';

const choices = fc.array(fc.nat({ max: 100_000 }), { minLength: 0, maxLength: 120 });
const game = fc.record({ choices, players: fc.integer({ min: 1, max: 3 }), questions: fc.integer({ min: 1, max: 6 }), finish: fc.boolean() });

function expectRefused(state: GameState, event: GameEvent, code: string, message: RegExp) {
  let error: unknown;
  try {
    applyEvent(state, event);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(GameRuleError);
  expect((error as GameRuleError).code).toBe(code);
  expect((error as GameRuleError).message).toMatch(message);
}

describe('game engine', () => {
  test('a readable error names the event, its number and the rule', () => {
    const log: GameEvent[] = [
      created({ players: 2, questions: 5 }),
      { v: 1, id: 'j0', at: 1_001, type: 'PLAYER_JOINED', playerId: 'p0' },
      { v: 1, id: 'r1', at: 1_002, type: 'ROUND_STARTED', round: 1, kind: 'classic', questionIds: ['a', 'b', 'c', 'd', 'e'] },
      ...[0, 1, 2, 3, 4].map((q): GameEvent => ({ v: 1, id: `s${q}`, at: 1_003, type: 'QUESTION_SHOWN', q, ...question(q) })),
      { v: 1, id: 'a0', at: 1_004, type: 'ANSWER_SUBMITTED', q: 0, playerId: 'p0', choice: 0 },
      { v: 1, id: 'sc0', at: 1_004, type: 'SCORE_UPDATED', q: 0, playerId: 'p0', points: scoreAnswer({ correct: true, elapsedMs: 1, timeLimitMs: TIME_LIMIT_MS }) },
      { v: 1, id: 'end1', at: 1_005, type: 'ROUND_ENDED', round: 1 },
    ];
    const state = replay(log);
    expect(state.seq).toBe(11);
    expect(() => applyEvent(state, { v: 1, id: 'late', at: 1_006, type: 'ANSWER_SUBMITTED', q: 4, playerId: 'p0', choice: 1 }))
      .toThrow('event 12: ANSWER_SUBMITTED for question 4 after ROUND_ENDED');
    expect(() => parseEvent({ v: 1, id: 'x', at: 1, type: 'BUZZ_PRESSED', q: -1, playerId: 'p0' }, 3)).toThrow(/^event 3: BUZZ_PRESSED is malformed \(q: /);
  });

  test('random legal logs replay to the same state incrementally, in one go, and through stored JSON', () => {
    fc.assert(fc.property(game, fc.nat(), (options, cut) => {
      const events = legalGame(options.choices, options);
      for (const event of events) expect(gameEventSchema.parse(event)).toEqual(event);
      const whole = replay(events);
      const k = cut % (events.length + 1);
      const prefix = replay(events.slice(0, k));
      const before = JSON.stringify(prefix);
      expect(replay(events.slice(k), prefix)).toEqual(whole);
      // The prefix state was not touched, and a state stored as JSON folds on the same way.
      expect(JSON.stringify(prefix)).toBe(before);
      expect(replay(events.slice(k), JSON.parse(before) as GameState)).toEqual(whole);
      let stepwise = initialState();
      for (const event of events) stepwise = applyEvent(stepwise, event);
      expect(stepwise).toEqual(whole);
      expect(whole.seq).toBe(events.length);
    }), { numRuns: 200 });
  });

  test('scores are the sum of their SCORE_UPDATED events, each worth what the scoring rule says', () => {
    fc.assert(fc.property(game, (options) => {
      const events = legalGame(options.choices, options);
      const state = replay(events);
      const sums: Record<string, number> = Object.fromEntries(state.players.map((p) => [p, 0]));
      for (const event of events) if (event.type === 'SCORE_UPDATED') sums[event.playerId] = (sums[event.playerId] ?? 0) + event.points;
      expect(state.scores).toEqual(sums);
      for (const q of state.questions) {
        for (const answer of Object.values(q.answers)) {
          if (answer.points !== null) expect(answer.points).toBe(scoreAnswer({ correct: answer.correct, elapsedMs: answer.elapsedMs, timeLimitMs: TIME_LIMIT_MS }));
        }
      }
    }), { numRuns: 200 });
  });

  // Each case finds a place in a random legal log where the event is illegal, and says why.
  type Case = { name: string; at: (events: GameEvent[], states: GameState[]) => { index: number; event: GameEvent; code: string; message: RegExp } | undefined };
  const cases: Case[] = [
    { name: 'anything after GAME_ENDED', at: (events, states) => {
      const last = states.at(-1)!;
      if (last.status !== 'ended') return undefined;
      return { index: events.length, event: { v: 1, id: 'x', at: last.lastAt, type: 'PLAYER_JOINED', playerId: 'late' }, code: 'AFTER_GAME_ENDED', message: /^event \d+: PLAYER_JOINED after GAME_ENDED$/ };
    } },
    { name: 'a second answer', at: (events) => {
      const index = events.findIndex((e) => e.type === 'ANSWER_SUBMITTED');
      if (index < 0) return undefined;
      const answer = events[index] as Extract<GameEvent, { type: 'ANSWER_SUBMITTED' }>;
      return { index: index + 1, event: { ...answer, id: 'again', choice: (answer.choice + 1) % 4 }, code: 'ALREADY_ANSWERED', message: new RegExp(`^event ${index + 2}: ANSWER_SUBMITTED for question ${answer.q} by ${answer.playerId}, who already answered it$`) };
    } },
    { name: 'an answer after its round ended', at: (events, states) => {
      const index = events.findIndex((e) => e.type === 'ROUND_ENDED');
      if (index < 0) return undefined;
      const state = states[index + 1]!;
      const q = state.questions.find((item) => item.round === state.roundsPlayed)!;
      return { index: index + 1, event: { v: 1, id: 'x', at: state.lastAt, type: 'ANSWER_SUBMITTED', q: q.q, playerId: state.players[0]!, choice: 0 }, code: 'AFTER_ROUND_ENDED', message: new RegExp(`^event ${index + 2}: ANSWER_SUBMITTED for question ${q.q} after ROUND_ENDED$`) };
    } },
    { name: 'an answer or a buzz before the question was shown', at: (events, states) => {
      const index = events.findIndex((e) => e.type === 'ROUND_STARTED');
      if (index < 0) return undefined;
      const state = states[index + 1]!;
      const type = state.round!.kind === 'buzzer' ? 'BUZZ_PRESSED' : 'ANSWER_SUBMITTED';
      const event: GameEvent = type === 'BUZZ_PRESSED'
        ? { v: 1, id: 'x', at: state.lastAt, type: 'BUZZ_PRESSED', q: state.questions.length - 1, playerId: state.players[0]! }
        : { v: 1, id: 'x', at: state.lastAt, type: 'ANSWER_SUBMITTED', q: state.questions.length - 1, playerId: state.players[0]!, choice: 0 };
      return { index: index + 1, event, code: 'NOT_SHOWN', message: new RegExp(`^event ${index + 2}: ${type} for question ${state.questions.length - 1} by p0 before QUESTION_SHOWN$`) };
    } },
    { name: 'a join after the first round started', at: (events) => {
      const index = events.findIndex((e) => e.type === 'ROUND_STARTED');
      if (index < 0) return undefined;
      return { index: index + 1, event: { v: 1, id: 'x', at: events[index]!.at, type: 'PLAYER_JOINED', playerId: 'newcomer' }, code: 'JOIN_AFTER_START', message: /^event \d+: PLAYER_JOINED by newcomer after the first ROUND_STARTED$/ };
    } },
    { name: 'points that no answer earned', at: (events) => {
      const index = events.findIndex((e) => e.type === 'SCORE_UPDATED');
      if (index < 0) return undefined;
      const score = events[index] as Extract<GameEvent, { type: 'SCORE_UPDATED' }>;
      return { index, event: { ...score, points: score.points + 1 }, code: 'WRONG_POINTS', message: new RegExp(`^event ${index + 1}: SCORE_UPDATED for question ${score.q} by ${score.playerId}: ${score.points + 1} points, the answer is worth ${score.points}$`) };
    } },
    { name: 'a score with no answer', at: (events, states) => {
      const index = events.findIndex((e) => e.type === 'QUESTION_SHOWN');
      if (index < 0) return undefined;
      const shown = events[index] as Extract<GameEvent, { type: 'QUESTION_SHOWN' }>;
      const player = shown.playerId ?? states[index + 1]!.players[0]!;
      return { index: index + 1, event: { v: 1, id: 'x', at: shown.at, type: 'SCORE_UPDATED', q: shown.q, playerId: player, points: 100 }, code: 'NO_ANSWER', message: /SCORE_UPDATED for question \d+ by p\d without an ANSWER_SUBMITTED$/ };
    } },
    { name: 'a second winning buzz', at: (events) => {
      const index = events.findIndex((e) => e.type === 'BUZZ_PRESSED');
      if (index < 0) return undefined;
      const buzz = events[index] as Extract<GameEvent, { type: 'BUZZ_PRESSED' }>;
      return { index: index + 1, event: { ...buzz, id: 'again' }, code: 'ALREADY_BUZZED', message: new RegExp(`BUZZ_PRESSED for question ${buzz.q} by ${buzz.playerId}: ${buzz.playerId} already won the buzz$`) };
    } },
    { name: 'a clock that goes backwards', at: (events, states) => {
      const index = events.findIndex((e, i) => e.at > 1_000 && states[i + 1]!.status !== 'ended');
      if (index < 0) return undefined;
      return { index: index + 1, event: { v: 1, id: 'x', at: 999, type: 'GAME_ENDED', reason: 'abandoned' }, code: 'CLOCK_BACKWARDS', message: /GAME_ENDED at 999 is earlier than the event before it/ };
    } },
    { name: 'a game whose players × questions cannot fit its documents', at: (events) => {
      const first = events[0] as Extract<GameEvent, { type: 'GAME_CREATED' }>;
      // The log's own game, with one question more than its player count allows (at most the schema's 200).
      const maxPlayers = 100 + (events.length % 400);
      const questionCount = maxQuestionsFor(maxPlayers) + 1;
      return { index: 0, event: { ...first, maxPlayers, questionCount }, code: 'GAME_TOO_LARGE', message: new RegExp(`^event 1: GAME_CREATED of ${maxPlayers} players × ${questionCount} questions: .* \\(at most ${questionCount - 1} questions for ${maxPlayers} players\\)$`) };
    } },
  ];
  // Every case must fire, each often: a total of refusals could hide a case that never finds its place.
  // Logs long enough to reach a second (buzzer) round: short ones made some cases almost never fire.
  const longGame = fc.record({ choices: fc.array(fc.nat({ max: 100_000 }), { minLength: 40, maxLength: 200 }), players: fc.integer({ min: 1, max: 3 }), questions: fc.integer({ min: 2, max: 6 }), finish: fc.boolean() });
  const RUNS_PER_CASE = 150;
  const MIN_FIRED = 15; // a tenth of the runs; the rarest case (a second buzz) fires in about 40
  const fired: Record<string, number> = {};
  afterAll(() => {
    console.log(`illegal-event cases fired (of ${RUNS_PER_CASE} random logs each): ${Object.entries(fired).map(([name, n]) => `${name} ${n}`).join('; ')}`);
  });

  test.each(cases.map((item) => [item.name, item] as const))('random illegal events are refused with the rule they break: %s', (name, item) => {
    fired[name] = 0;
    fc.assert(fc.property(longGame, (options) => {
      const events = legalGame(options.choices, options);
      const states = [initialState()];
      for (const event of events) states.push(applyEvent(states.at(-1)!, event));
      const found = item.at(events, states);
      if (!found) return;
      fired[name]! += 1;
      expectRefused(states[found.index]!, found.event, found.code, found.message);
    }), { numRuns: RUNS_PER_CASE });
    expect(fired[name]).toBeGreaterThanOrEqual(MIN_FIRED);
  });

  test('an answer after the time limit is refused, measured from the server time of QUESTION_SHOWN', () => {
    const state = replay([
      created({ players: 1, questions: 1 }),
      { v: 1, id: 'j', at: 1_000, type: 'PLAYER_JOINED', playerId: 'p0' },
      { v: 1, id: 'r', at: 1_000, type: 'ROUND_STARTED', round: 1, kind: 'classic', questionIds: ['a'] },
      { v: 1, id: 's', at: 2_000, type: 'QUESTION_SHOWN', q: 0, playerId: 'p0', ...question(0) },
    ]);
    expect(replay([{ v: 1, id: 'a', at: 2_000 + TIME_LIMIT_MS, type: 'ANSWER_SUBMITTED', q: 0, playerId: 'p0', choice: 0 }], state).questions[0]!.answers.p0!.correct).toBe(true);
    expectRefused(state, { v: 1, id: 'a', at: 2_001 + TIME_LIMIT_MS, type: 'ANSWER_SUBMITTED', q: 0, playerId: 'p0', choice: 0 }, 'TIME_UP', /after it was shown \(limit 10000 ms\)$/);
  });
});
