import { poolKeyOf, poolParamsSchema } from '../src/questions/poolParams';
import { PoolCache } from '../src/pools/poolCache';
import { firestorePoolReader, writePoolQuestions, type StoredQuestion } from '../src/pools/poolStore';
import { setQuestionState } from '../src/pools/questionState';
import { FactsGenerator } from '../src/questions/facts/factsGenerator';
import { questionIdOf } from '../src/questions/question';
import { NotFoundError } from '../src/shared/errors';
import { callOrThrow, signUp } from './support/client';
import { uniquePool } from './support/pools';
import { closeTestClients, testFirestore } from './support/stack';

afterAll(closeTestClients);

async function storedPool(size: number) {
  const pool = uniquePool({ theme: 'world' });
  const params = poolParamsSchema.parse(pool);
  const poolKey = poolKeyOf(params);
  const batch = await new FactsGenerator().generate({ params, count: size, excludeIds: new Set() });
  const questions: StoredQuestion[] = batch.questions.map((q) => ({ id: questionIdOf(q.prompt), ...q }));
  const write = () => writePoolQuestions(testFirestore(), { poolKey, params, requestKey: 'test', generatedAt: new Date().toISOString(), questions });
  await write();
  return { pool, poolKey, questions, write };
}

const minutes = (n: number) => n * 60_000;

describe('setQuestionState', () => {
  test('a flagged or removed question leaves this instance’s draws at once; active brings it back', async () => {
    const { poolKey, questions } = await storedPool(8);
    const cache = new PoolCache(firestorePoolReader(testFirestore()), { idsTtlMs: minutes(10), questionsTtlMs: minutes(60) });
    expect(await cache.poolIds(poolKey)).toHaveLength(8);
    const [flagged, removed] = [questions[0]!.id, questions[1]!.id];

    const change = await setQuestionState(testFirestore(), { poolKey, questionId: flagged, state: 'flagged', reason: 'key looks wrong', by: 'admin-1' });
    expect(change).toEqual({ poolKey, questionId: flagged, state: 'flagged', previous: 'active' });
    await setQuestionState(testFirestore(), { poolKey, questionId: removed, state: 'removed', by: 'admin-1' });
    const ids = await cache.poolIds(poolKey);
    expect(ids).toHaveLength(6);
    expect(ids).not.toContain(flagged);
    expect(ids).not.toContain(removed);
    // Its answer stays readable for players it was already dealt to.
    expect((await cache.questionsOf(poolKey, [removed]))[0]?.answerIndex).toBe(questions[1]!.answerIndex);

    const item = (await testFirestore().collection('question_pools').doc(poolKey).collection('items').doc(flagged).get()).data();
    expect(item).toMatchObject({ state: 'flagged', stateReason: 'key looks wrong', stateBy: 'admin-1' });

    await setQuestionState(testFirestore(), { poolKey, questionId: flagged, state: 'active', by: 'admin-2' });
    expect(await cache.poolIds(poolKey)).toContain(flagged);
    cache.close();
  });

  test('writing the pool again (a replayed task) keeps a removed question removed', async () => {
    const { poolKey, questions, write } = await storedPool(5);
    const removed = questions[2]!.id;
    await setQuestionState(testFirestore(), { poolKey, questionId: removed, state: 'removed', by: 'admin-1' });
    await write();
    const item = await testFirestore().collection('question_pools').doc(poolKey).collection('items').doc(removed).get();
    expect(item.get('state')).toBe('removed');
    expect(item.get('prompt')).toBe(questions[2]!.prompt);
  });

  test('an unknown question is not-found and nothing is created', async () => {
    const { poolKey } = await storedPool(2);
    const missing = '0'.repeat(32);
    await expect(setQuestionState(testFirestore(), { poolKey, questionId: missing, state: 'removed', by: 'admin-1' })).rejects.toBeInstanceOf(NotFoundError);
    expect((await testFirestore().collection('question_pools').doc(poolKey).collection('items').doc(missing).get()).exists).toBe(false);
  });

  test('drawQuestions never deals a removed question', async () => {
    const { pool, poolKey, questions } = await storedPool(6);
    const removed = questions[3]!.id;
    // Removed before any instance cached the pool: the functions emulator reads it with its state.
    await setQuestionState(testFirestore(), { poolKey, questionId: removed, state: 'removed', by: 'admin-1' });
    const player = await signUp();
    const dealt: string[] = [];
    for (let round = 0; round < 3; round++) {
      const draw = await callOrThrow<{ poolSize: number; questions: Array<{ id: string }>; generating?: unknown }>('drawQuestions', { pool, count: 5 }, player);
      expect(draw.poolSize).toBe(5);
      expect(draw.generating).toBeUndefined();
      dealt.push(...draw.questions.map((q) => q.id));
    }
    expect(dealt).toHaveLength(15);
    expect(dealt).not.toContain(removed);
    expect(new Set(dealt).size).toBe(5);
  });
});
