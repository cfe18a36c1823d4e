// Attack 6 (issue 15), the other side: per-user game limits hold through the callables, and a crowd
// of distinct honest players against a wrong key flags it — then the pool is topped up for it,
// because a flagged question no longer counts toward the pool's target.
import { FirebaseError } from 'firebase/app';
import { readQuestionStats, STATS_ACTOR } from '../src/games/questionStats';
import { isDealable } from '../src/pools/poolCache';
import type { PoolItem } from '../src/pools/poolStore';
import { poolKeyOf, poolParamsSchema } from '../src/questions/poolParams';
import { appClient, closeAppClients } from './support/appClient';
import { callOrThrow, type SignedIn, signUp } from './support/client';
import { poolItemSnapshots, uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testDb, testFirestore } from './support/stack';

afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

/** Runs `work` over `items` with at most `limit` in flight. */
async function bounded<T, R>(items: readonly T[], limit: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  }));
  return results;
}

/**
 * A player who has spent far past the per-user limit: the bucket (`RATE_GAMES_PER_MINUTE`,
 * `RATE_GAME_ANSWERS_PER_MINUTE`) owes ten minutes of tokens at the test stack's (lifted) rate.
 */
async function exhaust(uid: string, action: 'games' | 'gameAnswers'): Promise<void> {
  await testDb().query(
    `INSERT INTO rate_buckets (subject, action, tokens, updated_at, allowed) VALUES ($1, $2, -1e7, now(), false)
     ON CONFLICT (subject, action) DO UPDATE SET tokens = -1e7, updated_at = now(), allowed = false`,
    [uid, action],
  );
}

async function refusal(work: Promise<unknown>): Promise<string> {
  try {
    await work;
  } catch (error) {
    if (error instanceof FirebaseError) return error.code;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('attack 6: poisoned statistics', () => {
  test('createGame and submitAnswer take from per-user buckets: past the limit the app gets resource-exhausted and nothing is written; another player is unaffected', async () => {
    const pool = uniquePool({ theme: 'game limits' });
    const [a, b] = await Promise.all(['limit-a', 'limit-b'].map(async (name) => {
      const email = `${name}-${Date.now()}@example.com`;
      await signUp(email);
      return appClient(email);
    }));
    const accepted = await callOrThrow<{ requestKey: string }>('requestGeneration', { pool, targetCount: 2 }, await signUp());
    await waitForStatus(accepted.requestKey, ['done'], 150_000);

    await exhaust(a!.uid, 'games');
    expect(await refusal(a!.client.createGame({ pool, questionCount: 1, mode: 'solo' }))).toBe('functions/resource-exhausted');
    expect((await testFirestore().collection('games').where('createdBy', '==', a!.uid).get()).size).toBe(0);

    const { gameId } = await b!.client.createGame({ pool, questionCount: 1, mode: 'solo' });
    await b!.client.startGame(gameId);
    const shown = await b!.client.nextQuestion(gameId);
    if (shown.done) throw new Error('no question shown');
    await exhaust(b!.uid, 'gameAnswers');
    expect(await refusal(b!.client.submitAnswer({ gameId, q: shown.q, choice: 0 }))).toBe('functions/resource-exhausted');
    const state = (await testFirestore().collection('game_states').doc(gameId).get()).get('state') as { questions: Array<{ answers: Record<string, unknown> }> };
    expect(state.questions[0]!.answers).toEqual({});
    // Buckets are per player and per action: b's game bucket is untouched.
    expect((await b!.client.createGame({ pool, questionCount: 1, mode: 'solo' })).gameId).toMatch(/^[a-f0-9]{20}$/);
  }, 240_000);

  test('200 distinct honest players answering against a wrong key flag it, and the pool is topped up for it', async () => {
    const pool = uniquePool({ theme: 'honest crowd' });
    const poolKey = poolKeyOf(poolParamsSchema.parse(pool));
    const owner = await signUp();
    // A pool of one question (target 1): every game deals it.
    const first = await callOrThrow<{ requestKey: string }>('requestGeneration', { pool, targetCount: 1 }, owner);
    await waitForStatus(first.requestKey, ['done'], 150_000);
    const [item] = (await poolItemSnapshots(poolKey)).map((doc) => ({ id: doc.id, ...(doc.data() as PoolItem) }));
    const key = item!.answerIndex;
    const truth = (key + 1) % item!.choices.length;
    const other = (truth + 1) % item!.choices.length === key ? (truth + 2) % item!.choices.length : (truth + 1) % item!.choices.length;

    const players: SignedIn[] = await bounded(Array.from({ length: 200 }, (_, i) => i), 10, (i) => signUp(`crowd-${i}-${Date.now()}@example.com`));
    expect(new Set(players.map((p) => p.uid)).size).toBe(200);
    // Every game is started before any ends: each is dealt the question while it is still active.
    const games = await bounded(players, 8, async (player) => {
      const { gameId } = await callOrThrow<{ gameId: string }>('createGame', { pool, questionCount: 1, mode: 'solo', timeLimitSeconds: 300 }, player);
      await callOrThrow('startGame', { gameId }, player);
      return gameId;
    });
    // 70% pick the truth, 15% the stored key, 15% something else.
    await bounded(players, 8, async (player, i) => {
      const shown = await callOrThrow<{ done: boolean; q: number }>('nextQuestion', { gameId: games[i] }, player);
      expect(shown.done).toBe(false);
      const choice = i % 20 < 14 ? truth : i % 20 < 17 ? key : other;
      expect(await callOrThrow<{ gameStatus: string }>('submitAnswer', { gameId: games[i], q: shown.q, choice }, player)).toMatchObject({ gameStatus: 'ended' });
    });

    const stats = await readQuestionStats(testFirestore(), poolKey, item!.id);
    expect(stats).toMatchObject({ dealt: 200, answered: 200, correct: 30 });
    expect(stats.choices[String(truth)]).toBe(140);
    const flagged = (await testFirestore().collection('question_pools').doc(poolKey).collection('items').doc(item!.id).get()).data() as PoolItem;
    expect(flagged).toMatchObject({ state: 'flagged', stateBy: STATS_ACTOR });

    // The pool has no dealable question; its request is done for target 1. A draw asks for the
    // usual top-up (100 dealable) plus the flagged one: the done request is raised and generates.
    const draw = await callOrThrow<{ poolSize: number; questions: unknown[]; generating?: { requestKey: string } }>('drawQuestions', { pool, count: 1 }, await signUp());
    expect(draw).toMatchObject({ poolSize: 0, questions: [], generating: { requestKey: first.requestKey } });
    const refilled = await waitForStatus(first.requestKey, ['done'], 200_000);
    expect(refilled.seen[0]).not.toBe('done');
    expect(refilled).toMatchObject({ status: 'done', target: 101 });
    const items = (await poolItemSnapshots(poolKey)).map((doc) => doc.data() as PoolItem);
    const dealable = items.filter((question) => isDealable(question)).length;
    // Every generated question counts: the stored pool is the target, the flagged one on top of 100 dealable.
    expect(items.length).toBe(101);
    expect(dealable).toBe(100);
    console.log(`attack 6: 200 distinct players flagged the key (${stats.choices[String(truth)]} picks of the truth, ${stats.correct} of the key); the pool was refilled to ${dealable} dealable (${items.length} stored)`);

    // Draws deal from the refilled pool again, never the flagged question. (createGame's instance may
    // keep its pool id list until POOL_IDS_TTL_SECONDS: docs/security.md, attack 6.)
    const again = await callOrThrow<{ poolSize: number; questions: Array<{ id: string }> }>('drawQuestions', { pool, count: 10 }, await signUp());
    expect(again.poolSize).toBe(100);
    expect(again.questions).toHaveLength(10);
    expect(again.questions.map((q) => q.id)).not.toContain(item!.id);
  }, 420_000);
});
