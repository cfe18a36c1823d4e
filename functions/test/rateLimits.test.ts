import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { RateLimiter, type AccountCreatedAt, type RateLimitConfig } from '../src/limits/rateLimits';
import { ResourceExhaustedError } from '../src/shared/errors';
import { callOrThrow, signUp } from './support/client';
import { uniquePool } from './support/pools';
import { closeTestClients, testDb, testStack } from './support/stack';

// Per-user token buckets, tested with this file's own allowances (the shared stack runs with
// generous ones so other files can draw as often as they like) and its own users.

afterAll(closeTestClients);

const config = (perMinute: number, freshFactor = 0.25): RateLimitConfig => ({
  perMinute: { draws: perMinute, answers: perMinute, discovery: perMinute, games: perMinute, gameAnswers: perMinute },
  freshAccountMs: 24 * 3_600_000,
  freshFactor,
});
const longAgo = async () => new Date('2020-01-01T00:00:00Z');
const uid = () => `rate-${randomBytes(5).toString('hex')}`;

/** Creation times as the Auth emulator records them (the functions read them with the Admin SDK). */
const authAdmin = (path: string, body: unknown) =>
  fetch(`${testStack().urls.auth}/identitytoolkit.googleapis.com/v1/projects/${testStack().projectId}/${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer owner' }, body: JSON.stringify(body),
  }).then(async (response) => {
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<Record<string, unknown>>;
  });
const emulatorCreatedAt: AccountCreatedAt = async (id) => {
  const found = (await authAdmin('accounts:lookup', { localId: [id] })) as { users?: Array<{ createdAt: string }> };
  return found.users?.[0] ? new Date(Number(found.users[0].createdAt)) : undefined;
};

async function outcomes(limiter: RateLimiter, user: string, action: 'draws' | 'answers' | 'discovery', times: number) {
  return Promise.allSettled(Array.from({ length: times }, () => limiter.take(user, action)));
}

describe('per-user rate limits', () => {
  test('a full bucket allows its burst, then refuses with the time one call is allowed again; actions are separate', async () => {
    const limiter = new RateLimiter(testDb(), config(5), longAgo);
    const user = uid();
    const first = await outcomes(limiter, user, 'draws', 5);
    expect(first.every((o) => o.status === 'fulfilled')).toBe(true);
    const before = Date.now();
    const refused = await limiter.take(user, 'draws').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ResourceExhaustedError);
    expect((refused as Error).message).toMatch(/Too many draws calls: 5 a minute allowed/);
    // 5 a minute: one token every 12 s.
    const retryMs = (refused as ResourceExhaustedError).resetAt.getTime() - before;
    expect(retryMs).toBeGreaterThan(10_000);
    expect(retryMs).toBeLessThanOrEqual(12_500);
    await expect(limiter.take(user, 'answers')).resolves.toBeUndefined();
  });

  test('concurrent calls cannot overdraw: 40 at once against 10 tokens, exactly 10 pass', async () => {
    const limiter = new RateLimiter(testDb(), config(10), longAgo);
    const results = await outcomes(limiter, uid(), 'discovery', 40);
    expect(results.filter((o) => o.status === 'fulfilled')).toHaveLength(10);
    expect(results.filter((o) => o.status === 'rejected' && o.reason instanceof ResourceExhaustedError)).toHaveLength(30);
  });

  test('the bucket refills with time, never above its size', async () => {
    const limiter = new RateLimiter(testDb(), config(6), longAgo);
    const user = uid();
    await outcomes(limiter, user, 'draws', 6);
    await expect(limiter.take(user, 'draws')).rejects.toBeInstanceOf(ResourceExhaustedError);
    // 25 s later at 6 a minute: 2.5 tokens back, so two calls.
    await testDb().query(`UPDATE rate_buckets SET updated_at = updated_at - interval '25 seconds' WHERE subject = $1 AND action = 'draws'`, [user]);
    const refilled = await outcomes(limiter, user, 'draws', 4);
    expect(refilled.filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    // A day idle refills to the bucket's size only.
    await testDb().query(`UPDATE rate_buckets SET updated_at = updated_at - interval '1 day' WHERE subject = $1 AND action = 'draws'`, [user]);
    const full = await outcomes(limiter, user, 'draws', 10);
    expect(full.filter((o) => o.status === 'fulfilled')).toHaveLength(6);
  });

  test('a fresh account (Auth creation time) gets a quarter of the allowance; an old one all of it', async () => {
    const fresh = await signUp();
    const old = uid();
    await authAdmin('accounts:batchCreate', { users: [{ localId: old, email: `${old}@example.com`, createdAt: String(Date.parse('2024-01-01T00:00:00Z')) }] });
    const limiter = new RateLimiter(testDb(), config(8), emulatorCreatedAt);
    expect(await limiter.allowance(fresh.uid, 'draws')).toBe(2);
    expect(await limiter.allowance(old, 'draws')).toBe(8);
    expect((await outcomes(limiter, fresh.uid, 'draws', 5)).filter((o) => o.status === 'fulfilled')).toHaveLength(2);
    expect((await outcomes(limiter, old, 'draws', 10)).filter((o) => o.status === 'fulfilled')).toHaveLength(8);
  });

  test('with Postgres unreachable, calls are let through rather than failed', async () => {
    const dead = new Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', connectionTimeoutMillis: 500 });
    dead.on('error', () => undefined);
    const logs: Array<Record<string, unknown>> = [];
    const limiter = new RateLimiter(dead, config(1), longAgo, (entry) => logs.push(entry));
    await expect(limiter.take(uid(), 'draws')).resolves.toBeUndefined();
    expect(logs[0]).toMatchObject({ event: 'rate_limit.unavailable', action: 'draws' });
    await dead.end();
  });

  test('the drawQuestions callable charges the caller\'s draws bucket', async () => {
    const player = await signUp();
    const pool = uniquePool({ theme: 'capitals', country: 'AU' });
    await callOrThrow('drawQuestions', { pool, count: 2 }, player);
    await callOrThrow('drawQuestions', { pool, count: 2 }, player);
    const { rows } = await testDb().query('SELECT action, allowed FROM rate_buckets WHERE subject = $1 ORDER BY action', [player.uid]);
    expect(rows).toEqual([{ action: 'draws', allowed: true }]);
  });
});
