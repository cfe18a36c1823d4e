import { FirebaseError } from 'firebase/app';
import { MAX_GAME_QUESTIONS } from '../src/games/contract';
import {
  type GameEvent, type GameState, GAME_DOC_BUDGET_BYTES, FIRESTORE_DOC_LIMIT_BYTES, MAX_CHOICES, maxQuestionsFor, replay, scoreAnswer,
} from '../src/games/engine';
import { gameDocumentBytes } from '../src/games/gameSize';
import { writePoolQuestions } from '../src/pools/poolStore';
import { poolKeyOf, poolParamsSchema } from '../src/questions/poolParams';
import { questionIdOf } from '../src/questions/question';
import { appClient, closeAppClients } from './support/appClient';
import { signUp } from './support/client';
import { ingestSigned } from './support/ingest';
import { uniquePool } from './support/pools';
import { closeTestClients, testFirestore } from './support/stack';

// A game's state and projection are single Firestore documents (1 MiB each). The caps derived from
// that limit (engine/size.ts) refuse what would not fit before anything is written: a game exactly
// at a cap is accepted and one just over it is refused, through the ingest HTTP path and the callables.

afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

const e = (event: Record<string, unknown>) => ({ v: 1, ...event }) as GameEvent;
const pool = { poolKey: 'en|gb|medium|sizes|caps|mcq|v1', subject: 'sizes', level: 'medium', lang: 'en' };
/** A 3-byte character in UTF-8: the worst a string's length in JS can cost in Firestore. */
const wide = (length: number, seed: string) => (seed + '語'.repeat(length)).slice(0, length);

/** The longest content the event schema allows, all 3-byte characters: about 14 KiB a question. */
function widestShow(q: number, at: number): GameEvent {
  return e({
    id: `show-${q}`, at, type: 'QUESTION_SHOWN', q, prompt: wide(1000, `${q}`), choices: Array.from({ length: MAX_CHOICES }, (_, i) => wide(300, `${q}.${i}`)),
    answerIndex: 0, explanation: wide(2000, `${q}`), difficulty: 'medium',
  });
}

function opening(gameId: string, questionCount: number, maxPlayers: number, t0: number): GameEvent[] {
  return [
    e({ id: 'created', at: t0, type: 'GAME_CREATED', gameId, mode: 'live', createdBy: 'p0', pool, questionCount, timeLimitMs: 600_000, maxPlayers }),
    e({ id: 'join-p0', at: t0, type: 'PLAYER_JOINED', playerId: 'p0' }),
    e({ id: 'round-1', at: t0, type: 'ROUND_STARTED', round: 1, kind: 'classic', questionIds: Array.from({ length: questionCount }, (_, i) => `q${i}`) }),
  ];
}

async function nothingWritten(gameId: string): Promise<void> {
  expect((await testFirestore().collection('games').doc(gameId).get()).exists).toBe(false);
  expect((await testFirestore().collection('game_states').doc(gameId).get()).exists).toBe(false);
  expect((await testFirestore().collection('games').doc(gameId).collection('events').get()).size).toBe(0);
}

describe('game size caps through the ingest HTTP path', () => {
  test('players × questions: at the cap for its player count a game is created; one question more is refused with 413 GAME_TOO_LARGE, nothing written', async () => {
    const run = Date.now();
    const players = 100;
    const cap = maxQuestionsFor(players);
    expect(cap).toBeGreaterThan(10);
    const atCap = await ingestSigned({ gameId: `size-slots-at-${run}`, events: opening(`size-slots-at-${run}`, cap, players, run).slice(0, 1) });
    expect(atCap).toMatchObject({ status: 200, body: { appended: 1, status: 'lobby' } });
    const over = await ingestSigned({ gameId: `size-slots-over-${run}`, events: opening(`size-slots-over-${run}`, cap + 1, players, run).slice(0, 1) });
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({ details: { rule: 'GAME_TOO_LARGE' } });
    expect(String(over.body.error)).toMatch(new RegExp(`at most ${cap} questions for ${players} players`));
    await nothingWritten(`size-slots-over-${run}`);
    // What the schema alone allowed: 500 players × 200 questions.
    const widest = await ingestSigned({ gameId: `size-slots-max-${run}`, events: opening(`size-slots-max-${run}`, 200, 500, run).slice(0, 1) });
    expect(widest).toMatchObject({ status: 413, body: { details: { rule: 'GAME_TOO_LARGE' } } });
  });

  test('content: a game is shown questions up to exactly what fits, the next one is refused with 413 and nothing written, and the game at its cap still ends', async () => {
    const run = Date.now();
    const gameId = `size-content-${run}`;
    const open = opening(gameId, 200, 1, run);
    // How many of the widest questions fit, by the same arithmetic the server uses.
    let state: GameState = replay(open);
    let fit = 0;
    for (;;) {
      const next = replay([widestShow(fit, run + 1)], state);
      if (gameDocumentBytes(next) > GAME_DOC_BUDGET_BYTES) break;
      state = next;
      fit++;
    }
    expect(fit).toBeGreaterThan(40);
    expect(fit).toBeLessThan(100);
    const shows = Array.from({ length: fit }, (_, q) => widestShow(q, run + 1));
    expect(await ingestSigned({ gameId, events: open })).toMatchObject({ status: 200 });
    expect(await ingestSigned({ gameId, events: shows })).toMatchObject({ status: 200, body: { appended: fit } });
    const atCap = gameDocumentBytes((await testFirestore().collection('game_states').doc(gameId).get()).get('state') as GameState);
    expect(atCap).toBeGreaterThan(GAME_DOC_BUDGET_BYTES - 15_000);
    expect(atCap).toBeLessThanOrEqual(GAME_DOC_BUDGET_BYTES);

    const over = await ingestSigned({ gameId, events: [widestShow(fit, run + 2)] });
    expect(over).toMatchObject({ status: 413, body: { details: { rule: 'GAME_TOO_LARGE', limit: GAME_DOC_BUDGET_BYTES } } });
    const stored = await testFirestore().collection('game_states').doc(gameId).get();
    expect(stored.get('seq')).toBe(open.length + fit);
    expect((await testFirestore().collection('games').doc(gameId).collection('events').get()).size).toBe(open.length + fit);

    // A game at its cap can always end: the check counts the projection with every question closed.
    const ending = [e({ id: 'round-end', at: run + 3, type: 'ROUND_ENDED', round: 1 }), e({ id: 'end', at: run + 3, type: 'GAME_ENDED', reason: 'time_up' })];
    expect(await ingestSigned({ gameId, events: ending })).toMatchObject({ status: 200, body: { status: 'ended' } });
    expect((await testFirestore().collection('games').doc(gameId).get()).get('questions')[fit - 1]).toMatchObject({ closed: true, prompt: (widestShow(fit - 1, 0) as Extract<GameEvent, { type: 'QUESTION_SHOWN' }>).prompt });
  }, 120_000);

  test.each([100, 200])('one batch of %i questions with the widest content is refused with 413 at once, not 500 or a timeout, and nothing is written', async (count) => {
    const run = Date.now();
    const gameId = `size-batch-${count}-${run}`;
    const started = Date.now();
    const reply = await ingestSigned({ gameId, events: [...opening(gameId, count, 1, run), ...Array.from({ length: count }, (_, q) => widestShow(q, run + 1))] });
    expect(reply).toMatchObject({ status: 413, body: { details: { rule: 'GAME_TOO_LARGE' } } });
    expect(Date.now() - started).toBeLessThan(30_000);
    await nothingWritten(gameId);
  }, 60_000);
});

describe('game size caps through the callables', () => {
  test('the callables\' cap (questionCount ≤ 50, two players) fits with the widest pool content: a solo game of 50 such questions plays to the end; 51 is refused, nothing written', async () => {
    // Derived: a duel of MAX_GAME_QUESTIONS questions, both players answering, every pool field at its
    // longest in 3-byte characters, fits the budget.
    const widestPoolQuestion = (i: number) => ({
      prompt: wide(300, `${i} `), choices: Array.from({ length: MAX_CHOICES }, (_, c) => wide(120, `${i}.${c}`)), answerIndex: 0, explanation: wide(500, `${i}`), difficulty: 'medium',
    });
    const duel: GameEvent[] = [
      e({ id: 'c', at: 1, type: 'GAME_CREATED', gameId: 'g', mode: 'duel', createdBy: 'a'.repeat(28), pool, questionCount: MAX_GAME_QUESTIONS, timeLimitMs: 300_000, maxPlayers: 2 }),
      e({ id: 'ja', at: 1, type: 'PLAYER_JOINED', playerId: 'a'.repeat(28) }),
      e({ id: 'jb', at: 1, type: 'PLAYER_JOINED', playerId: 'b'.repeat(28) }),
      e({ id: 'r', at: 1, type: 'ROUND_STARTED', round: 1, kind: 'classic', questionIds: Array.from({ length: MAX_GAME_QUESTIONS }, (_, i) => 'f'.repeat(28) + String(i).padStart(4, '0')) }),
    ];
    let t = 2;
    for (let q = 0; q < MAX_GAME_QUESTIONS; q++) {
      for (const player of ['a'.repeat(28), 'b'.repeat(28)]) {
        duel.push(e({ id: `s${q}${player[0]}`, at: t++, type: 'QUESTION_SHOWN', q, playerId: player, ...widestPoolQuestion(q) }));
        duel.push(e({ id: `a${q}${player[0]}`, at: t, type: 'ANSWER_SUBMITTED', q, playerId: player, choice: 1 }));
        duel.push(e({ id: `p${q}${player[0]}`, at: t, type: 'SCORE_UPDATED', q, playerId: player, points: scoreAnswer({ correct: false, elapsedMs: 1, timeLimitMs: 300_000 }) }));
      }
    }
    const worstCallableGame = gameDocumentBytes(replay(duel));
    expect(worstCallableGame).toBeLessThan(GAME_DOC_BUDGET_BYTES);

    // The same through the app: a pool of 50 such questions, one solo game of all of them.
    const email = `size-${Date.now()}@example.com`;
    await signUp(email);
    const { client, uid } = await appClient(email);
    const params = uniquePool({ theme: 'size caps' });
    const poolKey = poolKeyOf(poolParamsSchema.parse(params));
    const questions = Array.from({ length: MAX_GAME_QUESTIONS }, (_, i) => {
      const content = widestPoolQuestion(i);
      return { id: questionIdOf(content.prompt), ...content, difficulty: 'medium' as const, source: 'facts' as const, model: 'test' };
    });
    await writePoolQuestions(testFirestore(), { poolKey, params: poolParamsSchema.parse(params), requestKey: 'size-caps', generatedAt: new Date().toISOString(), questions });

    const refused = await client.createGame({ pool: params, questionCount: MAX_GAME_QUESTIONS + 1, mode: 'solo' }).then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(FirebaseError);
    expect((refused as FirebaseError).code).toBe('functions/invalid-argument');
    expect((await testFirestore().collection('games').where('createdBy', '==', uid).get()).size).toBe(0);

    const { gameId } = await client.createGame({ pool: params, questionCount: MAX_GAME_QUESTIONS, mode: 'solo', timeLimitSeconds: 300 });
    await client.startGame(gameId);
    let status = '';
    for (let q = 0; q < MAX_GAME_QUESTIONS; q++) {
      const shown = await client.nextQuestion(gameId);
      if (shown.done) throw new Error(`ran out at ${q}`);
      expect(shown.prompt).toHaveLength(300);
      status = (await client.submitAnswer({ gameId, q: shown.q, choice: 1 })).gameStatus;
    }
    expect(status).toBe('ended');
    const stored = (await testFirestore().collection('game_states').doc(gameId).get()).get('state') as GameState;
    expect(stored.questions).toHaveLength(MAX_GAME_QUESTIONS);
    const bytes = gameDocumentBytes(stored);
    expect(bytes).toBeLessThan(FIRESTORE_DOC_LIMIT_BYTES);
    console.log(`size caps: budget ${GAME_DOC_BUDGET_BYTES} B per game document; worst callable duel ${worstCallableGame} B; solo game of ${MAX_GAME_QUESTIONS} widest pool questions ${bytes} B; ${maxQuestionsFor(100)} questions for 100 players, ${maxQuestionsFor(500)} for 500`);
  }, 240_000);
});
