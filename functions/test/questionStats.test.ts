import { judgeQuestion, MIN_ANSWERS_TO_FLAG, MIN_ANSWERS_TO_RECALIBRATE } from '../src/games/answerStats';
import { readQuestionStats, reviewQuestions, STATS_ACTOR } from '../src/games/questionStats';
import { poolKeyOf, poolParamsSchema } from '../src/questions/poolParams';
import type { PoolItem } from '../src/pools/poolStore';
import { setQuestionState } from '../src/pools/questionState';
import { callOrThrow, signUp } from './support/client';
import { poolItemSnapshots, uniquePool, waitForStatus } from './support/pools';
import { crowdGame } from './support/gameScripts';
import { ingestSigned } from './support/ingest';
import { closeTestClients, testFirestore, testStack } from './support/stack';

afterAll(async () => {
  await closeTestClients();
});

/** `counts[i]` answers pick choice i. */
function stats(counts: number[], answerIndex: number) {
  const answered = counts.reduce((a, b) => a + b, 0);
  return { dealt: answered, answered, correct: counts[answerIndex]!, timeMsSum: answered * 5_000, choices: Object.fromEntries(counts.map((c, i) => [String(i), c])) };
}

describe('judging a question from its answers', () => {
  test('a wrong key is flagged; a normal spread is not; too few answers decide nothing', () => {
    expect(judgeQuestion(stats([20, 140, 30, 10], 0), 0, 'medium')).toMatchObject({ flag: true, reason: expect.stringMatching(/^choice 1 was picked 140 times, the key \(0\) 20 times/) });
    expect(judgeQuestion(stats([120, 40, 25, 15], 0), 0, 'medium')).toMatchObject({ flag: false });
    // A close race between the key and a distractor is not "a clear margin".
    expect(judgeQuestion(stats([45, 55, 50, 50], 0), 0, 'hard')).toMatchObject({ flag: false });
    expect(judgeQuestion(stats([2, 20, 2, 2], 0), 0, 'medium')).toMatchObject({ flag: false });
    expect(MIN_ANSWERS_TO_FLAG).toBeGreaterThan(26);
  });

  test('a correct rate far from its level is flagged; a moderately off one is relabelled once there are enough answers', () => {
    expect(judgeQuestion(stats([30, 57, 57, 56], 0), 0, 'easy')).toMatchObject({ flag: true, reason: expect.stringMatching(/correct rate 0.15 over 200 answers, far from the easy norm of 0.8/) });
    expect(judgeQuestion(stats([160, 20, 10, 10], 0), 0, 'medium')).toEqual({ flag: false, recalibrateTo: 'easy', correctRate: 0.8 });
    expect(judgeQuestion(stats([16, 2, 1, 1], 0), 0, 'medium')).toEqual({ flag: false, correctRate: 0.8 });
    expect(MIN_ANSWERS_TO_RECALIBRATE).toBe(100);
  });
});

describe('answer statistics from played games', () => {
  test('200 players answering a question whose key is wrong get it flagged and no longer dealt; a sound question is not flagged', async () => {
    const player = await signUp();
    const pool = uniquePool({ theme: 'answer stats' });
    const poolKey = poolKeyOf(poolParamsSchema.parse(pool));
    const accepted = await callOrThrow<{ requestKey: string }>('requestGeneration', { pool, targetCount: 8 }, player);
    expect((await waitForStatus(accepted.requestKey, ['done'], 150_000)).status).toBe('done');
    const items = (await poolItemSnapshots(poolKey)).map((doc) => ({ id: doc.id, ...(doc.data() as PoolItem) }));
    expect(items.length).toBeGreaterThanOrEqual(4);
    const [wrong, sound] = items;
    const truth = (wrong!.answerIndex + 1) % wrong!.choices.length;

    // A live game of 200 players, sent by the game server in batches.
    const gameId = `stats-${Date.now()}`;
    const events = crowdGame({
      gameId, pool: { poolKey, subject: pool.subject, level: pool.level, lang: pool.lang }, questions: [wrong!, sound!],
      players: Array.from({ length: 200 }, (_, i) => `${gameId}-${i}`),
      pick: (i, q) => (q === 0
        // The key of question 0 is wrong: 70% pick the truth, 15% the key, 15% something else.
        ? (i % 20 < 14 ? truth : i % 20 < 17 ? wrong!.answerIndex : (truth + 1) % wrong!.choices.length === wrong!.answerIndex ? (truth + 2) % wrong!.choices.length : (truth + 1) % wrong!.choices.length)
        // Question 1 is sound: 60% right, the rest spread over the distractors.
        : i % 10 < 6 ? sound!.answerIndex : (sound!.answerIndex + 1 + (i % 3)) % sound!.choices.length),
    });
    for (let i = 0; i < events.length; i += 500) {
      expect((await ingestSigned({ gameId, events: events.slice(i, i + 500) })).status).toBe(200);
    }

    const wrongStats = await readQuestionStats(testFirestore(), poolKey, wrong!.id);
    expect(wrongStats).toMatchObject({ dealt: 200, answered: 200, correct: 30 });
    expect(wrongStats.choices[String(truth)]).toBe(140);
    expect(wrongStats.meanTimeMs).toBeCloseTo(900 + 199 * 5, 0);
    const soundStats = await readQuestionStats(testFirestore(), poolKey, sound!.id);
    expect(soundStats).toMatchObject({ answered: 200, correct: 120, correctRate: 0.6 });

    const flagged = (await testFirestore().collection('question_pools').doc(poolKey).collection('items').doc(wrong!.id).get()).data() as PoolItem;
    expect(flagged).toMatchObject({ state: 'flagged', stateBy: STATS_ACTOR });
    expect(flagged.stateReason).toMatch(new RegExp(`^choice ${truth} was picked 140 times, the key \\(${wrong!.answerIndex}\\) 30 times`));
    const kept = (await testFirestore().collection('question_pools').doc(poolKey).collection('items').doc(sound!.id).get()).data() as PoolItem;
    expect(kept.state ?? 'active').toBe('active');

    // Nobody is dealt the flagged question any more; the sound one still is.
    const draw = await callOrThrow<{ questions: Array<{ id: string }>; poolSize: number }>('drawQuestions', { pool, count: items.length }, await signUp());
    expect(draw.poolSize).toBe(items.length - 1);
    expect(draw.questions.map((q) => q.id)).not.toContain(wrong!.id);
    expect(draw.questions.map((q) => q.id)).toContain(sound!.id);

    // An admin who keeps it has the last word: statistics do not flag it again.
    await setQuestionState(testFirestore(), { poolKey, questionId: wrong!.id, state: 'active', by: 'admin-uid' });
    await reviewQuestions(testFirestore(), [{ poolKey, questionId: wrong!.id }]);
    expect((await testFirestore().collection('question_pools').doc(poolKey).collection('items').doc(wrong!.id).get()).get('state')).toBe('active');
  }, 240_000);
});
