import { randomBytes } from 'node:crypto';
import { claimGenerationRequest } from '../src/generation/queries/claimGenerationRequest';
import { completeGenerationRequest } from '../src/generation/queries/completeGenerationRequest';
import { releaseGenerationRequest } from '../src/generation/queries/releaseGenerationRequest';
import { upsertGenerationRequest } from '../src/generation/queries/upsertGenerationRequest';
import { closeTestClients, testDb } from './support/stack';

afterAll(closeTestClients);

async function newRequest(maxAttempts = 5) {
  const requestKey = randomBytes(32).toString('hex');
  await upsertGenerationRequest(testDb(), { requestKey, poolKey: 'test|claim', params: {}, targetCount: 1, maxAttempts, uid: 'u', quotas: { userDailyRequests: 1e9, userDailyTokens: 1e12, globalDailyTokens: 1e15 } });
  return requestKey;
}

describe('claimGenerationRequest', () => {
  test('of 30 concurrent claims exactly one wins the lease', async () => {
    const key = await newRequest();
    const claims = await Promise.all(Array.from({ length: 30 }, () => claimGenerationRequest(testDb(), key, 60)));
    const winners = claims.filter((claim) => claim !== undefined);
    expect(winners).toHaveLength(1);
    expect(winners[0]).toMatchObject({ status: 'running', attempts: 1 });
    expect(winners[0]!.lease_expires_at!.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  test('an expired lease can be claimed again, a live one cannot', async () => {
    const key = await newRequest();
    expect(await claimGenerationRequest(testDb(), key, 60)).toBeDefined();
    expect(await claimGenerationRequest(testDb(), key, 60)).toBeUndefined();
    await testDb().query(`UPDATE generation_requests SET lease_expires_at = now() - interval '1 second' WHERE request_key = $1`, [key]);
    expect(await claimGenerationRequest(testDb(), key, 60)).toMatchObject({ attempts: 2 });
  });

  test('a done row is never claimed, and only the current attempt may complete it', async () => {
    const key = await newRequest();
    await claimGenerationRequest(testDb(), key, 60);
    expect(await completeGenerationRequest(testDb(), key, 2, 1)).toBe(false);
    expect(await completeGenerationRequest(testDb(), key, 1, 1)).toBe(true);
    expect(await claimGenerationRequest(testDb(), key, 60)).toBeUndefined();
  });

  test('a released row is claimable at once; attempts stop at max_attempts', async () => {
    const key = await newRequest(2);
    await claimGenerationRequest(testDb(), key, 60);
    expect(await releaseGenerationRequest(testDb(), key, 1, 'boom')).toBe(true);
    expect(await claimGenerationRequest(testDb(), key, 60)).toMatchObject({ attempts: 2, last_error: 'boom' });
    await releaseGenerationRequest(testDb(), key, 2, 'boom again');
    expect(await claimGenerationRequest(testDb(), key, 60)).toBeUndefined();
  });
});
