import { randomBytes } from 'node:crypto';
import { claimEnqueue } from '../src/generation/queries/claimEnqueue';
import { releaseEnqueue } from '../src/generation/queries/releaseEnqueue';
import { upsertGenerationRequest as upsert, type UpsertGenerationRequestInput } from '../src/generation/queries/upsertGenerationRequest';
import { closeTestClients, testDb } from './support/stack';

afterAll(closeTestClients);

const generous = { userDailyRequests: 1_000_000, userDailyTokens: 1e12, globalDailyTokens: 1e15 };

/** Unwraps an accepted upsert; these tests stay far from any quota. */
async function upsertGenerationRequest(db: Parameters<typeof upsert>[0], input: Omit<UpsertGenerationRequestInput, 'quotas'>) {
  const result = await upsert(db, { ...input, quotas: generous });
  if (result.outcome !== 'accepted') throw new Error('unexpectedly over quota');
  return result;
}

const input = (uid = 'u1') => ({
  requestKey: randomBytes(32).toString('hex'),
  poolKey: `test|${randomBytes(4).toString('hex')}`,
  params: { any: 'thing' },
  targetCount: 10,
  maxAttempts: 5,
  uid,
});

describe('upsertGenerationRequest', () => {
  test('200 concurrent upserts of one key: one creator, every caller told the same status', async () => {
    const base = input();
    const results = await Promise.all(Array.from({ length: 200 }, (_, i) => upsertGenerationRequest(testDb(), { ...base, uid: `user-${i % 7}` })));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(results.every((r) => r.status === 'pending' && r.enqueueCount === 1)).toBe(true);
    // Each distinct requester is reported new exactly once.
    expect(results.filter((r) => r.newRequester)).toHaveLength(7);
    const { rows } = await testDb().query('SELECT count(*)::int AS n FROM generation_requesters WHERE request_key = $1', [base.requestKey]);
    expect(rows[0].n).toBe(7);
  });

  test('the creator owns enqueue #1; a released enqueue is claimed by exactly one later caller', async () => {
    const base = input();
    const created = await upsertGenerationRequest(testDb(), base);
    expect(created).toMatchObject({ created: true, enqueueCount: 1 });
    expect(await claimEnqueue(testDb(), base.requestKey)).toBeUndefined();

    await releaseEnqueue(testDb(), base.requestKey, 1);
    const duplicate = await upsertGenerationRequest(testDb(), { ...base, uid: 'u2' });
    expect(duplicate).toMatchObject({ created: false, status: 'pending', enqueuedAt: null });
    const claims = await Promise.all(Array.from({ length: 20 }, () => claimEnqueue(testDb(), base.requestKey)));
    expect(claims.filter((c) => c !== undefined)).toEqual([2]);
  });
});
