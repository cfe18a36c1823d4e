import { randomBytes } from 'node:crypto';
import { acceptGenerationRequest, type AcceptDeps } from '../src/generation/acceptGenerationRequest';
import { generationRequestSchema, poolKeyOf, requestKeyOf } from '../src/questions/poolParams';
import { nextUtcMidnight } from '../src/generation/quotas';
import { upsertGenerationRequest } from '../src/generation/queries/upsertGenerationRequest';
import { runGenerationTask, type RunDeps } from '../src/generation/runGenerationTask';
import { firebaseGenerationTaskQueue } from '../src/generation/taskQueue';
import { FactsGenerator } from '../src/questions/facts/factsGenerator';
import { OpenAIGenerator } from '../src/questions/openai/openaiGenerator';
import { ResourceExhaustedError } from '../src/shared/errors';
import { modelCalls } from './support/fakeOpenAI';
import { uniquePool } from './support/pools';
import { closeTestClients, testDb, testFirestore, testStack } from './support/stack';

// A spent global token budget stops model work only; the free facts generator keeps accepting and
// generating. The budget is spent by injection (a budget of 0 tokens), never by charging the shared
// stack's global counter, which the files after this one rely on.

afterAll(closeTestClients);

const generators = () => [
  new FactsGenerator(),
  new OpenAIGenerator({ apiKey: 'k', baseURL: testStack().openaiUrl, model: 'fake-model', questionsPerCall: 10, timeoutMs: 10_000 }),
];

function acceptDeps(globalDailyTokens: number): AcceptDeps {
  return {
    db: testDb(),
    firestore: testFirestore(),
    queue: firebaseGenerationTaskQueue('generateQuestionPool', testStack().region),
    generators: generators(),
    maxAttempts: 3,
    failedCooldownSeconds: 3600,
    quotas: { userDailyRequests: 100, userDailyTokens: 1e12, globalDailyTokens },
  };
}

const runDeps = (globalDailyTokenBudget: number): RunDeps => ({
  db: testDb(), firestore: testFirestore(), generators: generators(), leaseSeconds: 60, globalDailyTokenBudget,
});

const uid = () => `budget-user-${randomBytes(4).toString('hex')}`;

describe('spent global token budget', () => {
  test('refuses new model work with the reason and reset time, accepts a facts pool, joining stays free', async () => {
    const user = uid();
    const modelPool = uniquePool({ subject: 'history', theme: `budget ${randomBytes(3).toString('hex')}` });
    const refused = await acceptGenerationRequest(acceptDeps(0), user, { pool: modelPool, targetCount: 3 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ResourceExhaustedError);
    expect((refused as ResourceExhaustedError).message).toMatch(/daily generation budget is spent/);
    expect((refused as ResourceExhaustedError).resetAt).toEqual(nextUtcMidnight());
    const none = await testDb().query('SELECT count(*)::int AS n FROM generation_requests WHERE requested_by = $1', [user]);
    expect(none.rows[0].n).toBe(0);

    const factsPool = uniquePool({ country: 'NZ', theme: 'capitals' });
    const accepted = await acceptGenerationRequest(acceptDeps(0), user, { pool: factsPool, targetCount: 3 });
    expect(accepted).toMatchObject({ created: true, status: 'pending' });
    // The request still counts against the user's daily allowance, not against tokens.
    const usage = await testDb().query('SELECT requests, tokens FROM usage_daily WHERE day = (now() AT TIME ZONE \'utc\')::date AND subject = $1', [`user:${user}`]);
    expect(usage.rows[0]).toMatchObject({ requests: 1 });
    expect(Number(usage.rows[0].tokens)).toBe(0);
    await expect(acceptGenerationRequest(acceptDeps(0), uid(), { pool: factsPool, targetCount: 3 })).resolves.toMatchObject({ created: false });
  });

  test('the generator defers model work to midnight without a model call, and runs facts work to done', async () => {
    const theme = `budget run ${randomBytes(3).toString('hex')}`;
    const insert = async (pool: ReturnType<typeof uniquePool>) => {
      const request = generationRequestSchema.parse({ pool, targetCount: 4 });
      // Inserted without a task, so only this test's runs touch it.
      await upsertGenerationRequest(testDb(), {
        requestKey: requestKeyOf(request), poolKey: poolKeyOf(request.pool), params: request.pool, targetCount: 4, maxAttempts: 3, uid: uid(),
        quotas: { userDailyRequests: 1e6, userDailyTokens: 1e12, globalDailyTokens: 1e15 },
      });
      return requestKeyOf(request);
    };
    const modelKey = await insert(uniquePool({ subject: 'history', theme }));
    const factsKey = await insert(uniquePool({ country: 'NZ', theme: 'flags' }));

    const deferred = await runGenerationTask(runDeps(0), modelKey);
    expect(deferred).toMatchObject({ outcome: 'deferred', until: nextUtcMidnight() });
    expect((await modelCalls(theme)).calls).toBe(0);
    const row = await testDb().query('SELECT status, not_before FROM generation_requests WHERE request_key = $1', [modelKey]);
    expect(row.rows[0].status).toBe('pending');
    expect(row.rows[0].not_before).toEqual(nextUtcMidnight());

    const done = await runGenerationTask(runDeps(0), factsKey);
    expect(done).toMatchObject({ outcome: 'done', generated: 4, modelCalls: 0 });
    // The deferred row would wait for tomorrow on the shared stack: remove it.
    await testDb().query('DELETE FROM generation_requests WHERE request_key = $1', [modelKey]);
  });
});
