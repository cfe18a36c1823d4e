import { poolKeyOf, poolParamsSchema } from '../src/questions/poolParams';
import { PoolCache, type PoolReader } from '../src/pools/poolCache';
import { firestorePoolReader, writePoolQuestions, type StoredQuestion } from '../src/pools/poolStore';
import { FactsGenerator } from '../src/questions/facts/factsGenerator';
import { questionIdOf } from '../src/questions/question';
import { uniquePool } from './support/pools';
import { closeTestClients, testFirestore } from './support/stack';

afterAll(closeTestClients);

/** The real Firestore reader, counting the documents it reads. */
function countingReader() {
  const real = firestorePoolReader(testFirestore());
  const counts = { documents: 0, poolQueries: 0, countReads: 0 };
  const reader: PoolReader = {
    wholePool: async (poolKey) => {
      counts.poolQueries++;
      const pool = await real.wholePool(poolKey);
      counts.documents += pool.length;
      return pool;
    },
    question: async (poolKey, id) => {
      counts.documents++;
      return real.question(poolKey, id);
    },
    poolCount: async (poolKey) => {
      counts.countReads++;
      return real.poolCount!(poolKey);
    },
  };
  return { reader, counts };
}

async function storedPool(size: number, theme: string) {
  const params = poolParamsSchema.parse(uniquePool({ theme }));
  const poolKey = poolKeyOf(params);
  const batch = await new FactsGenerator().generate({ params, count: size, excludeIds: new Set() });
  const questions: StoredQuestion[] = batch.questions.map((q) => ({ id: questionIdOf(q.prompt), ...q }));
  await writePoolQuestions(testFirestore(), { poolKey, params, requestKey: 'test', generatedAt: new Date().toISOString(), questions });
  return { poolKey, params, questions };
}

const minutes = (n: number) => n * 60_000;

describe('pool cache', () => {
  test('1,000 draws of a 200-question pool read each question document once', async () => {
    const { poolKey } = await storedPool(200, 'countries');
    const { reader, counts } = countingReader();
    const cache = new PoolCache(reader, { idsTtlMs: minutes(10), questionsTtlMs: minutes(60) });
    for (let draw = 0; draw < 1000; draw++) {
      const ids = await cache.poolIds(poolKey);
      const picked = Array.from({ length: 10 }, (_, i) => ids[(draw * 10 + i * 7) % ids.length]!);
      expect(await cache.questionsOf(poolKey, picked)).toHaveLength(10);
    }
    expect(counts).toEqual({ documents: 200, poolQueries: 1, countReads: 0 });
    cache.close();
  });

  test('concurrent misses of one pool and of one question share one read', async () => {
    const { poolKey, questions } = await storedPool(5, 'pays');
    const { reader, counts } = countingReader();
    const cache = new PoolCache(reader, { idsTtlMs: minutes(10), questionsTtlMs: minutes(60) });
    const lists = await Promise.all(Array.from({ length: 20 }, () => cache.poolIds(poolKey)));
    expect(new Set(lists.map((ids) => ids.length))).toEqual(new Set([5]));
    expect(counts.poolQueries).toBe(1);

    const other = new PoolCache(reader, { idsTtlMs: minutes(10), questionsTtlMs: minutes(60) });
    const before = counts.documents;
    await Promise.all(Array.from({ length: 20 }, () => other.questionsOf(poolKey, [questions[0]!.id])));
    expect(counts.documents - before).toBe(1);
    cache.close();
    other.close();
  });

  test('1,000 draws of 10 from an 8-question pool read it once, then only its count about once a second', async () => {
    const { poolKey, params } = await storedPool(8, 'world');
    const { reader, counts } = countingReader();
    const cache = new PoolCache(reader, { idsTtlMs: minutes(10), questionsTtlMs: minutes(60), shortRecheckMs: 300 });
    const started = Date.now();
    for (let draw = 0; draw < 1000; draw++) {
      const ids = await cache.poolIds(poolKey, 10);
      expect(await cache.questionsOf(poolKey, ids)).toHaveLength(8);
    }
    const elapsed = Date.now() - started;
    expect(counts.poolQueries).toBe(1);
    expect(counts.documents).toBe(8);
    expect(counts.countReads).toBeLessThanOrEqual(1 + Math.ceil(elapsed / 300));

    // Another instance tops the pool up (no invalidation reaches this process): seen within the recheck interval.
    const more = await new FactsGenerator().generate({ params, count: 12, excludeIds: new Set() });
    const pool = testFirestore().collection('question_pools').doc(poolKey);
    await Promise.all(more.questions.map((q) => pool.collection('items').doc(questionIdOf(q.prompt)).set({ ...q, requestKey: 'other', createdAt: new Date().toISOString() })));
    await pool.set({ count: (await pool.collection('items').count().get()).data().count }, { merge: true });
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await cache.poolIds(poolKey, 10)).length).toBeGreaterThanOrEqual(10);
    expect(counts.poolQueries).toBe(2);
    cache.close();
  });

  test('a pool this process just extended is not served stale', async () => {
    const { poolKey, params } = await storedPool(3, 'paises');
    const { reader } = countingReader();
    const cache = new PoolCache(reader, { idsTtlMs: minutes(30), questionsTtlMs: minutes(180) });
    expect(await cache.poolIds(poolKey)).toHaveLength(3);
    const more = await new FactsGenerator().generate({ params, count: 5, excludeIds: new Set() });
    const questions = more.questions.map((q) => ({ id: questionIdOf(q.prompt), ...q }));
    await writePoolQuestions(testFirestore(), { poolKey, params, requestKey: 'test-2', generatedAt: new Date().toISOString(), questions });
    expect(await cache.poolIds(poolKey)).toHaveLength(5);
    cache.close();
  });

  test('entries past their TTL are read again', async () => {
    const { poolKey } = await storedPool(4, 'capital-cities');
    const { reader, counts } = countingReader();
    // Below the production bounds on purpose: the class takes what it is given.
    const cache = new PoolCache(reader, { idsTtlMs: 200, questionsTtlMs: 200 });
    await cache.poolIds(poolKey);
    await cache.poolIds(poolKey);
    expect(counts.poolQueries).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cache.poolIds(poolKey);
    expect(counts.poolQueries).toBe(2);
    cache.close();
  });
});
