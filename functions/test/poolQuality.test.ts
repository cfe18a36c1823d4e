import { poolKeyOf, poolParamsSchema } from '../src/questions/poolParams';
import { writePoolQuestions } from '../src/pools/poolStore';
import { FactsGenerator } from '../src/questions/facts/factsGenerator';
import { questionIdOf } from '../src/questions/question';
import { callOrThrow, signUp } from './support/client';
import { poolItemSnapshots, uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testDb, testFirestore } from './support/stack';

afterAll(closeTestClients);

describe('generation through the quality gate', () => {
  test('a near-duplicate of a question already in the pool is not stored, is counted, and is replaced', async () => {
    const input = uniquePool({ theme: 'capitals' });
    const params = poolParamsSchema.parse(input);
    const poolKey = poolKeyOf(params);
    const [first] = (await new FactsGenerator().generate({ params, count: 1, excludeIds: new Set() })).questions;
    // The pool already holds a rephrasing of what the generator will produce first.
    const rephrased = { ...first!, prompt: first!.prompt.replace('What is the capital of', 'Which city is the capital of'), choices: [...first!.choices].reverse(), answerIndex: first!.choices.length - 1 - first!.answerIndex };
    await writePoolQuestions(testFirestore(), { poolKey, params, requestKey: 'seed', generatedAt: new Date().toISOString(), questions: [{ id: questionIdOf(rephrased.prompt), ...rephrased }] });

    const player = await signUp();
    const accepted = await callOrThrow<{ requestKey: string }>('requestGeneration', { pool: input, targetCount: 4 }, player);
    const final = await waitForStatus(accepted.requestKey, ['done']);
    expect(final).toMatchObject({ status: 'done', generated: 3, poolSize: 4 });

    const ids = (await poolItemSnapshots(poolKey)).map((item) => item.id);
    expect(ids).toContain(questionIdOf(rephrased.prompt));
    expect(ids).not.toContain(questionIdOf(first!.prompt));
    const { rows } = await testDb().query('SELECT result FROM generation_requests WHERE request_key = $1', [accepted.requestKey]);
    expect(rows[0].result.rejected).toEqual({ 'near-duplicate': 1 });
  });

  test('a 200-question pool fills in each facts language', async () => {
    const player = await signUp();
    const pools = [uniquePool({ lang: 'en', theme: 'world' }), uniquePool({ lang: 'fr', theme: 'monde' }), uniquePool({ lang: 'es', theme: 'mundo', type: 'true_false' })];
    const accepted = await Promise.all(pools.map((pool) => callOrThrow<{ requestKey: string; poolKey: string }>('requestGeneration', { pool, targetCount: 200 }, player)));
    for (const request of accepted) {
      expect(await waitForStatus(request.requestKey, ['done'])).toMatchObject({ status: 'done', poolSize: 200 });
      expect(await poolItemSnapshots(request.poolKey)).toHaveLength(200);
    }
  });
});
