import { randomBytes } from 'node:crypto';
import { generationRequestSchema, poolKeyOf, requestKeyOf } from '../src/questions/poolParams';
import { upsertGenerationRequest } from '../src/generation/queries/upsertGenerationRequest';
import { runGenerationTask, type RunDeps } from '../src/generation/runGenerationTask';
import { FactsGenerator } from '../src/questions/facts/factsGenerator';
import { OpenAIGenerator } from '../src/questions/openai/openaiGenerator';
import { injectFaults, modelCalls } from './support/fakeOpenAI';
import { PrivateFirestore } from './support/privateFirestore';
import { closeTestClients, testDb, testStack } from './support/stack';

// Firestore dies after the model has answered and before the pool is written. The retry must
// write the stored result and pay the model nothing more.

let firestore: PrivateFirestore;
beforeAll(async () => {
  firestore = await PrivateFirestore.start();
});
afterAll(async () => {
  await firestore.stop().catch(() => undefined);
  await closeTestClients();
});

test('a crash between the model call and the Firestore write is recovered with zero extra model calls', async () => {
  const theme = `crash ${randomBytes(4).toString('hex')}`;
  const request = generationRequestSchema.parse({ pool: { lang: 'en', country: 'US', level: 'easy', subject: 'cinema', theme, type: 'mcq' }, targetCount: 6 });
  const requestKey = requestKeyOf(request);
  const poolKey = poolKeyOf(request.pool);
  await upsertGenerationRequest(testDb(), {
    requestKey, poolKey, params: request.pool, targetCount: 6, maxAttempts: 3, uid: 'crash-test',
    quotas: { userDailyRequests: 1e6, userDailyTokens: 1e12, globalDailyTokens: 1e15 },
  });
  const generators = [new FactsGenerator(), new OpenAIGenerator({ apiKey: 'k', baseURL: testStack().openaiUrl, model: 'fake-model', questionsPerCall: 10, timeoutMs: 10_000 })];
  const deps = (store: PrivateFirestore, name: string) => {
    const client = store.client(name);
    return { client, deps: { db: testDb(), firestore: client.firestore, generators, leaseSeconds: 40, globalDailyTokenBudget: 1e12 } satisfies RunDeps };
  };

  // The model takes 2 s to answer; Firestore goes down meanwhile.
  await injectFaults(theme, [{ kind: 'delay', ms: 2_000 }]);
  const first = deps(firestore, 'before-crash');
  // A 40 s lease: the model call must end 30 s before it, the pool write 5 s before it.
  const run = runGenerationTask(first.deps, requestKey);
  const callStarted = Date.now() + 30_000;
  while ((await modelCalls(theme)).calls === 0 && Date.now() < callStarted) await new Promise((r) => setTimeout(r, 50));
  await firestore.stop();
  await expect(run).rejects.toThrow();
  await first.client.close().catch(() => undefined);

  const afterCrash = (await testDb().query('SELECT status, result, attempts FROM generation_requests WHERE request_key = $1', [requestKey])).rows[0];
  expect(afterCrash.status).toBe('pending');
  expect(afterCrash.result.complete).toBe(true);
  expect(afterCrash.result.questions).toHaveLength(6);
  expect((await modelCalls(theme)).calls).toBe(1);

  await firestore.resume();
  const second = deps(firestore, 'after-crash');
  const outcome = await runGenerationTask(second.deps, requestKey);
  expect(outcome).toMatchObject({ outcome: 'done', generated: 6, poolSize: 6, reusedResult: true, modelCalls: 0 });
  const items = await second.client.firestore.collection('question_pools').doc(poolKey).collection('items').get();
  expect(items.docs.map((d) => d.id).sort()).toEqual(afterCrash.result.questions.map((q: { id: string }) => q.id).sort());
  expect((await modelCalls(theme)).calls).toBe(1);
  await second.client.close();
}, 120_000);
