import { randomBytes } from 'node:crypto';
import { acceptGenerationRequest, type AcceptDeps } from '../src/generation/acceptGenerationRequest';
import { nextUtcMidnight } from '../src/generation/quotas';
import { firebaseGenerationTaskQueue } from '../src/generation/taskQueue';
import { FactsGenerator } from '../src/questions/facts/factsGenerator';
import { OpenAIGenerator } from '../src/questions/openai/openaiGenerator';
import { ResourceExhaustedError } from '../src/shared/errors';
import { callFunction, signUp } from './support/client';
import { uniquePool } from './support/pools';
import { closeTestClients, testDb, testFirestore, testStack } from './support/stack';

// The accept path with the real Postgres, Firestore and Cloud Tasks emulator, and quotas small
// enough to hit.

afterAll(closeTestClients);

function deps(quotas: Partial<AcceptDeps['quotas']> = {}): AcceptDeps {
  return {
    db: testDb(),
    firestore: testFirestore(),
    queue: firebaseGenerationTaskQueue('generateQuestionPool', testStack().region),
    generators: [new FactsGenerator()],
    maxAttempts: 3,
    failedCooldownSeconds: 3600,
    quotas: { userDailyRequests: 10, userDailyTokens: 1_000_000, globalDailyTokens: 1e12, ...quotas },
  };
}

const uid = () => `quota-user-${randomBytes(4).toString('hex')}`;

describe('quotas', () => {
  test('100 concurrent new requests against a quota of 10: exactly 10 accepted', async () => {
    const user = uid();
    const outcomes = await Promise.allSettled(
      // Country JP and theme "countries" appear in no other test file: all 100 are new work.
      Array.from({ length: 100 }, () => acceptGenerationRequest(deps(), user, { pool: uniquePool({ country: 'JP', theme: 'countries' }), targetCount: 3 })),
    );
    const accepted = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(accepted).toHaveLength(10);
    expect(refused).toHaveLength(90);
    for (const { reason } of refused) {
      expect(reason).toBeInstanceOf(ResourceExhaustedError);
      expect((reason as ResourceExhaustedError).resetAt).toEqual(nextUtcMidnight());
    }
    const usage = await testDb().query(`SELECT requests FROM usage_daily WHERE subject = $1`, [`user:${user}`]);
    expect(usage.rows[0].requests).toBe(10);
    const rows = await testDb().query(`SELECT count(*)::int AS n FROM generation_requests WHERE requested_by = $1`, [user]);
    expect(rows.rows[0].n).toBe(10);
  });

  test('duplicates of existing work cost nothing, even for a user at their quota', async () => {
    const user = uid();
    const other = uid();
    const shared = { pool: uniquePool(), targetCount: 3 };
    await acceptGenerationRequest(deps({ userDailyRequests: 1 }), other, shared);
    await acceptGenerationRequest(deps({ userDailyRequests: 1 }), user, { pool: uniquePool(), targetCount: 3 });
    // `user` is at quota, yet joins existing work freely, as often as they like.
    for (let i = 0; i < 3; i++) {
      await expect(acceptGenerationRequest(deps({ userDailyRequests: 1 }), user, shared)).resolves.toMatchObject({ created: false });
    }
    await expect(acceptGenerationRequest(deps({ userDailyRequests: 1 }), user, { pool: uniquePool(), targetCount: 3 })).rejects.toBeInstanceOf(ResourceExhaustedError);
    const usage = await testDb().query(`SELECT requests FROM usage_daily WHERE subject = $1`, [`user:${user}`]);
    expect(usage.rows[0].requests).toBe(1);
  });

  test('a user over their token quota gets no new model work, with the reason', async () => {
    const user = uid();
    await testDb().query(
      `INSERT INTO usage_daily (day, subject, tokens) VALUES ((now() AT TIME ZONE 'utc')::date, $1, 5000)`,
      [`user:${user}`],
    );
    const modelDeps = { ...deps({ userDailyTokens: 5000 }), generators: [new FactsGenerator(), new OpenAIGenerator({ apiKey: 'k', baseURL: testStack().openaiUrl, model: 'fake-model', questionsPerCall: 10, timeoutMs: 10_000 })] };
    await expect(acceptGenerationRequest(modelDeps, user, { pool: uniquePool({ subject: 'history', theme: `quota ${randomBytes(3).toString('hex')}` }), targetCount: 3 }))
      .rejects.toThrow(/Daily token quota of 5000 reached/);
  });

  test('through the callable, over quota is resource-exhausted with the reset time, and nothing is written', async () => {
    expect(nextUtcMidnight(new Date('2026-11-22T10:00:00Z')).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    const player = await signUp();
    // The test stack allows 10,000 new requests a day; spend them without making them.
    await testDb().query(`INSERT INTO usage_daily (day, subject, requests) VALUES ((now() AT TIME ZONE 'utc')::date, $1, 10000)`, [`user:${player.uid}`]);
    const pool = uniquePool();
    const outcome = await callFunction('requestGeneration', { pool, targetCount: 3 }, player);
    expect(outcome).toMatchObject({ ok: false, status: 'RESOURCE_EXHAUSTED' });
    if (!outcome.ok) expect(outcome.message).toBe(`Daily quota of 10000 new generation requests reached; resets at ${nextUtcMidnight().toISOString()}`);
    const rows = await testDb().query('SELECT count(*)::int AS n FROM generation_requests WHERE requested_by = $1', [player.uid]);
    expect(rows.rows[0].n).toBe(0);
  });

  test('a player at quota still draws what a short pool holds, told when the quota resets', async () => {
    const player = await signUp();
    const pool = uniquePool({ theme: 'flags' });
    // Someone else fills the pool with 3 questions.
    await acceptGenerationRequest(deps(), uid(), { pool, targetCount: 3 });
    const deadline = Date.now() + 60_000;
    let drawn: { ok: boolean; result?: { questions: unknown[]; generating?: unknown; quotaResetsAt?: string } } = { ok: false };
    await testDb().query(`INSERT INTO usage_daily (day, subject, requests) VALUES ((now() AT TIME ZONE 'utc')::date, $1, 10000)`, [`user:${player.uid}`]);
    while (Date.now() < deadline) {
      drawn = (await callFunction('drawQuestions', { pool, count: 10 }, player)) as typeof drawn;
      if (drawn.ok && drawn.result!.questions.length === 3) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(drawn.ok).toBe(true);
    expect(drawn.result!.questions).toHaveLength(3);
    expect(drawn.result!.generating).toBeUndefined();
    expect(drawn.result!.quotaResetsAt).toBe(nextUtcMidnight().toISOString());
  });
});
