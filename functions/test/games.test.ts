import fc from 'fast-check';
import { FirebaseError } from 'firebase/app';
import type { QuestionFactoryClient } from '../client';
import { type GameState, replay } from '../src/games/engine';
import { appendEvents, readLog } from '../src/games/gameLog';
import { drawMemoryId } from '../src/pools/seenMemory';
import { poolKeyOf, poolParamsSchema } from '../src/questions/poolParams';
import { appClient, closeAppClients, untilGenerated } from './support/appClient';
import { callFunction, signUp } from './support/client';
import { uniquePool } from './support/pools';
import { closeTestClients, testFirestore } from './support/stack';

const pool = uniquePool({ theme: 'games duel' });
const poolKey = poolKeyOf(poolParamsSchema.parse(pool));
let alice: { client: QuestionFactoryClient; uid: string };
let bob: { client: QuestionFactoryClient; uid: string };

async function player(name: string) {
  const email = `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  await signUp(email);
  return appClient(email);
}

/** The callable's error as the app sees it: code and message. */
async function refusal(work: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await work;
  } catch (error) {
    if (error instanceof FirebaseError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
}

async function serverState(gameId: string): Promise<GameState> {
  return (await testFirestore().collection('game_states').doc(gameId).get()).get('state') as GameState;
}

beforeAll(async () => {
  alice = await player('alice');
  bob = await player('bob');
  // The pool is made the way the app makes one: request, then listen until it is done.
  const accepted = await alice.client.requestGeneration({ pool, targetCount: 12 });
  await untilGenerated(alice.client, accepted.requestKey);
  // Cold function workers on a loaded 2-core machine: generation alone has taken over a minute.
}, 180_000);

afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

describe('games through the callables', () => {
  let duelId: string;

  test('a duel from creation to GAME_ENDED: each question once per player, scored by the server, history and draw memory updated', async () => {
    const { gameId, joinCode } = await alice.client.createGame({ pool, questionCount: 4, mode: 'duel', timeLimitSeconds: 30 });
    duelId = gameId;
    expect(joinCode).toMatch(/^[A-Z0-9]{6}$/);
    expect(await refusal(alice.client.startGame(gameId))).toMatchObject({ code: 'functions/failed-precondition' });
    expect((await bob.client.joinGame({ code: joinCode!.toLowerCase() })).gameId).toBe(gameId);
    // Only players see the game, and only the creator starts it.
    expect(await refusal(bob.client.startGame(gameId))).toMatchObject({ code: 'functions/failed-precondition' });
    const started = await alice.client.startGame(gameId);
    expect(started.players).toEqual([alice.uid, bob.uid]);

    const seenByBob: Array<Record<string, unknown>> = [];
    const stop = bob.client.onGame(gameId, (game) => { if (game) seenByBob.push(game as unknown as Record<string, unknown>); });

    let aliceScore = 0;
    for (let i = 0; i < 4; i++) {
      const shown = await alice.client.nextQuestion(gameId);
      if (shown.done) throw new Error('alice ran out of questions');
      expect(shown.q).toBe(i);
      expect(shown).not.toHaveProperty('answerIndex');
      // Asking again before answering shows the same question, with the same server time.
      expect(await alice.client.nextQuestion(gameId)).toEqual(shown);
      const choice = i % shown.choices.length;
      // A double-submitted answer (a retry racing the original) is one answer.
      const [first, second] = await Promise.all([
        alice.client.submitAnswer({ gameId, q: shown.q, choice }),
        alice.client.submitAnswer({ gameId, q: shown.q, choice }),
      ]);
      expect(second).toEqual(first);
      expect(first.correct).toBe(choice === first.answerIndex);
      expect(first.points).toBe(first.correct ? 100 + Math.round(100 * Math.max(0, 1 - first.elapsedMs / 30_000)) : 0);
      aliceScore += first.points;
      expect(first.score).toBe(aliceScore);
      // A different second answer is refused by the engine, in its words.
      const again = await refusal(alice.client.submitAnswer({ gameId, q: shown.q, choice: (choice + 1) % shown.choices.length }));
      expect(again.code).toBe('functions/failed-precondition');
      expect(again.message).toMatch(new RegExp(`^event \\d+: ANSWER_SUBMITTED for question ${i} by ${alice.uid}, who already answered it`));
    }
    expect(await alice.client.nextQuestion(gameId)).toEqual({ done: true, status: 'in_round' });
    // Alice answered everything, Bob nothing: the projection shows Bob no question's content or key yet.
    const midway = (await testFirestore().collection('games').doc(gameId).get()).data()!;
    for (const question of midway.questions) {
      expect(question.closed).toBe(false);
      expect(question).not.toHaveProperty('answerIndex');
      expect(question).not.toHaveProperty('prompt');
    }
    expect(midway.scores).toEqual({ [alice.uid]: 0, [bob.uid]: 0 });

    let last: Awaited<ReturnType<QuestionFactoryClient['submitAnswer']>> | undefined;
    for (let i = 0; i < 4; i++) {
      const shown = await bob.client.nextQuestion(gameId);
      if (shown.done) throw new Error('bob ran out of questions');
      last = await bob.client.submitAnswer({ gameId, q: shown.q, choice: 0 });
    }
    expect(last!.gameStatus).toBe('ended');

    const state = await serverState(gameId);
    expect(state.status).toBe('ended');
    expect(state.endReason).toBe('completed');
    const log = await readLog(testFirestore(), gameId);
    // 2 created+joined, 1 join, 1 round, 2 players x 4 x (shown, answer, score), round end, game end.
    expect(log.map((event) => event.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(log.filter((event) => event.type === 'ANSWER_SUBMITTED')).toHaveLength(8);
    expect(replay(log)).toEqual(state);
    expect(state.scores[alice.uid]).toBe(aliceScore);

    // Bob's listener ends on the closed game: every key revealed, scores complete.
    await new Promise((resolve) => setTimeout(resolve, 500));
    stop();
    const final = seenByBob.at(-1)!;
    expect(final.status).toBe('ended');
    expect(final.scores).toEqual(state.scores);
    for (const question of final.questions as Array<Record<string, unknown>>) expect(question).toHaveProperty('answerIndex');
    // Players read the log once the game is over.
    expect((await bob.client.gameEvents(gameId)).map((event) => event.type).at(-1)).toBe('GAME_ENDED');

    // History, stats and draw memory, for both players.
    const dealt = state.questions.map((question) => question.questionId);
    for (const uid of [alice.uid, bob.uid]) {
      const stats = (await testFirestore().collection('players').doc(uid).get()).data()!;
      const correct = state.questions.filter((question) => question.answers[uid]!.correct).length;
      expect(stats).toMatchObject({ games: 1, answers: 4, correct });
      expect(stats.bySubjectLevel[`${pool.subject}:${pool.level}`]).toMatchObject({ answers: 4, correct });
      expect((await testFirestore().collection('players').doc(uid).collection('games').doc(gameId).get()).get('score')).toBe(state.scores[uid]);
      const memory = (await testFirestore().collection('draw_memory').doc(drawMemoryId(uid, poolKey)).get()).get('seen') as string[];
      expect(memory).toEqual(expect.arrayContaining(dealt));
    }
  }, 240_000);

  test('replayed events leave one event each', async () => {
    const log = await readLog(testFirestore(), duelId);
    const before = await serverState(duelId);
    const outcome = await appendEvents(testFirestore(), duelId, () => log.slice(0, 5).map(({ seq: _seq, ...event }) => event));
    expect(outcome.appended).toHaveLength(0);
    expect(outcome.duplicates).toHaveLength(5);
    expect(await readLog(testFirestore(), duelId)).toHaveLength(log.length);
    expect(await serverState(duelId)).toEqual(before);
  });

  test('the next game of the same players deals none of the questions they were dealt', async () => {
    const previous = (await serverState(duelId)).questions.map((question) => question.questionId);
    const { gameId, joinCode } = await alice.client.createGame({ pool, questionCount: 4, mode: 'duel' });
    await bob.client.joinGame({ code: joinCode! });
    await alice.client.startGame(gameId);
    const dealt = (await serverState(gameId)).questions.map((question) => question.questionId);
    expect(dealt).toHaveLength(4);
    expect(dealt.filter((id) => previous.includes(id))).toEqual([]);
  });

  test('an answer after the time limit is refused; the player moves on', async () => {
    const { gameId, joinCode } = await alice.client.createGame({ pool, questionCount: 2, mode: 'solo', timeLimitSeconds: 2 });
    expect(joinCode).toBeNull();
    await alice.client.startGame(gameId);
    const shown = await alice.client.nextQuestion(gameId);
    if (shown.done) throw new Error('no question');
    expect(shown.deadline - shown.shownAt).toBe(2_000);
    await new Promise((resolve) => setTimeout(resolve, 2_300));
    const late = await refusal(alice.client.submitAnswer({ gameId, q: shown.q, choice: 0 }));
    expect(late.code).toBe('functions/failed-precondition');
    expect(late.message).toMatch(new RegExp(`^event \\d+: ANSWER_SUBMITTED for question 0 by ${alice.uid} \\d+ ms after it was shown \\(limit 2000 ms\\)`));
    expect((await serverState(gameId)).questions[0]!.answers).toEqual({});
    const next = await alice.client.nextQuestion(gameId);
    expect(next).toMatchObject({ done: false, q: 1 });
    // Bob is not a player: the game does not exist for him.
    expect(await refusal(bob.client.submitAnswer({ gameId, q: 1, choice: 0 }))).toMatchObject({ code: 'functions/not-found' });
  });

  test('bad input is refused with the field named', async () => {
    const bad = await refusal(alice.client.createGame({ pool, questionCount: 0, mode: 'duel' }));
    expect(bad).toMatchObject({ code: 'functions/invalid-argument' });
    expect(bad.message).toMatch(/questionCount: must be at least 1/);
    expect(await refusal(alice.client.createGame({ pool: { ...pool, theme: 'nobody generated this' }, questionCount: 3, mode: 'solo' }))).toMatchObject({ code: 'functions/failed-precondition' });
    expect(await refusal(bob.client.joinGame({ code: 'ZZZZZZ' }))).toMatchObject({ code: 'functions/not-found' });
  });

  test('a projection deleted or corrupted is rebuilt equal from the log by the admin callable', async () => {
    const admin = await appClient('admin@example.com', 'admin-password');
    const ref = testFirestore().collection('games').doc(duelId);
    const original = (await ref.get()).data();
    const rebuild = async (client: QuestionFactoryClient) => ({ data: await client.rebuildGame(duelId) });
    expect(await refusal(rebuild(alice.client))).toMatchObject({ code: 'functions/permission-denied' });
    expect((await rebuild(admin.client)).data).toMatchObject({ seq: 30, projectionWasCurrent: true });
    await ref.delete();
    expect((await rebuild(admin.client)).data).toMatchObject({ seq: 30, projectionWasCurrent: false });
    expect((await ref.get()).data()).toEqual(original);
    await ref.update({ scores: { [alice.uid]: 99999 }, status: 'lobby' });
    await testFirestore().collection('game_states').doc(duelId).delete();
    expect((await rebuild(admin.client)).data).toMatchObject({ projectionWasCurrent: false });
    expect((await ref.get()).data()).toEqual(original);
    expect(await serverState(duelId)).toEqual(replay(await readLog(testFirestore(), duelId)));
  }, 180_000);

  test('400 random payloads to the game callables: never an internal error', async () => {
    const signedIn = await signUp();
    const hostile = fc.oneof(fc.string(), fc.constantFrom('__proto__', '../x', '\u0000', 'a'.repeat(5000)), fc.anything({ maxDepth: 3 }));
    const gameIdArb = fc.oneof(fc.constant(duelId), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 20, maxLength: 20 }), hostile);
    const payloads = fc.sample(fc.oneof(
      fc.record({ name: fc.constant('createGame'), data: fc.oneof(fc.record({ pool: fc.oneof(fc.constant(pool), hostile), questionCount: fc.oneof(fc.integer({ min: -5, max: 60 }), hostile), mode: fc.oneof(fc.constantFrom('solo', 'duel', 'live'), hostile) }), hostile) }),
      fc.record({ name: fc.constant('joinGame'), data: fc.oneof(fc.record({ code: fc.oneof(fc.string({ minLength: 6, maxLength: 6 }), hostile) }), hostile) }),
      fc.record({ name: fc.constantFrom('startGame', 'nextQuestion'), data: fc.oneof(fc.record({ gameId: gameIdArb }), hostile) }),
      fc.record({ name: fc.constant('submitAnswer'), data: fc.oneof(fc.record({ gameId: gameIdArb, q: fc.oneof(fc.integer({ min: -2, max: 60 }), hostile), choice: fc.oneof(fc.integer({ min: -2, max: 8 }), hostile) }), hostile) }),
    ), { numRuns: 400, seed: 20261122 });
    const actionable = new Set(['INVALID_ARGUMENT', 'NOT_FOUND', 'FAILED_PRECONDITION']);
    const unexpected: string[] = [];
    for (const { name, data } of payloads) {
      const outcome = await callFunction(name, data, signedIn);
      if (!outcome.ok && !actionable.has(outcome.status)) unexpected.push(`${name}: ${outcome.status} ${outcome.message}`);
    }
    expect(unexpected).toEqual([]);
  }, 180_000);
});
