import { randomBytes } from 'node:crypto';
import type { QuestionFactoryClient } from '../client';
import { generationRequestSchema, poolKeyOf, poolParamsSchema, requestKeyOf, type PoolParamsInput } from '../src/questions/poolParams';
import { canonicalJson, sha256Hex } from '../src/shared/hashing';
import { appClient, closeAppClients, untilGenerated } from './support/appClient';
import { signUp } from './support/client';
import { injectFaults, modelCalls } from './support/fakeOpenAI';
import { uniquePool } from './support/pools';
import { closeTestClients, testDb, testFirestore } from './support/stack';

// Issue 17 §4: the pool is the unit of work. Played as the app plays it: Firebase JS SDK clients on
// the emulators' callable path, the fake model counting its calls per theme.

jest.setTimeout(600_000);

afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

async function player(): Promise<{ client: QuestionFactoryClient; uid: string }> {
  const email = `pool-unit-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
  await signUp(email);
  return appClient(email);
}

/** "cinema" is served only by the model: every pool here is paid work. */
const paidPool = (theme: string): PoolParamsInput => uniquePool({ subject: 'cinema', theme });
const keyOf = (pool: PoolParamsInput) => requestKeyOf(generationRequestSchema.parse({ pool, targetCount: 1 }));

async function rowsOf(pool: PoolParamsInput) {
  const { rows } = await testDb().query<{ request_key: string; target_count: number; status: string; sql_key: string }>(
    `SELECT request_key, target_count, status, generation_pool_request_key(params) AS sql_key FROM generation_requests WHERE pool_key = $1`,
    [poolKeyOf(poolParamsSchema.parse(pool))],
  );
  return rows;
}

async function reservedBy(uid: string): Promise<{ requests: number; reserved: number }> {
  const { rows } = await testDb().query<{ requests: number; reserved: number }>(
    `SELECT requests, reserved::int FROM usage_daily WHERE day = (now() AT TIME ZONE 'utc')::date AND subject = $1`,
    [`user:${uid}`],
  );
  return rows[0] ?? { requests: 0, reserved: 0 };
}

describe('requestGeneration: one generation per pool', () => {
  const tag = randomBytes(3).toString('hex');
  const theme = `one per pool ${tag}`;
  const pool = paidPool(theme);
  const requestKey = keyOf(pool);
  const targets = [46, 47, 48, 49, 50];

  test('five targets for one pool at once: one generation, the model calls of one request for the largest, every listener done at the largest', async () => {
    // The reference: one request for the largest target, alone, on a pool of its own.
    const reference = paidPool(`reference ${tag}`);
    const alone = await player();
    const referenceKey = (await alone.client.requestGeneration({ pool: reference, targetCount: 50 })).requestKey;
    await untilGenerated(alone.client, referenceKey);
    const expected = await modelCalls(`reference ${tag}`);
    expect(expected.calls).toBeGreaterThan(0);

    const players = await Promise.all(targets.map(() => player()));
    // The first model calls are slowed (each under the 5 s model timeout) so every request lands
    // while the pool's work is in flight, even when the emulator cold-starts a worker for it.
    await injectFaults(theme, [{ kind: 'delay', ms: 4_000 }, { kind: 'delay', ms: 4_000 }, { kind: 'delay', ms: 4_000 }]);
    // Each app listens once it is a requester (a pool's existing status is readable by its
    // requesters only); the key is the pool's, whatever the target.
    const replies = await Promise.all(players.map(async ({ client }, i) => {
      const started = Date.now();
      const reply = await client.requestGeneration({ pool, targetCount: targets[i]! });
      // As the app does: done means the pool's target reached at least this request's.
      return { reply, ms: Date.now() - started, done: untilGenerated(client, reply.requestKey, 150_000, (s) => (s.target ?? 0) >= targets[i]!) };
    }));
    expect(new Set(replies.map((r) => r.reply.requestKey))).toEqual(new Set([requestKey]));
    expect(replies.filter((r) => r.reply.created)).toHaveLength(1);
    console.log(`accept latencies (ms): ${replies.map((r) => r.ms).join(', ')}`);

    const statuses = await Promise.all(replies.map((r) => r.done));
    const status = (await testFirestore().collection('generation_status').doc(requestKey).get()).data()!;
    expect(status).toMatchObject({ status: 'done', target: 50, poolSize: 50, generated: 50 });
    for (const seen of statuses) expect(seen).toMatchObject({ status: 'done', poolSize: 50 });

    // One row for the pool, at the largest target; the SQL key of migration 1732370000000 is requestKeyOf's.
    const rows = await rowsOf(pool);
    expect(rows).toEqual([{ request_key: requestKey, target_count: 50, status: 'done', sql_key: requestKey }]);
    const calls = await modelCalls(theme);
    expect({ calls: calls.calls, counts: calls.counts, verifications: calls.verifications })
      .toEqual({ calls: expected.calls, counts: expected.counts, verifications: expected.verifications });
    const { rows: attempts } = await testDb().query('SELECT attempt FROM generation_attempts WHERE request_key = $1', [requestKey]);
    expect(attempts).toHaveLength(1);
    console.log(`five targets, one pool: ${calls.calls} model calls asking ${calls.counts.join('+')} questions (one request for 50 alone: ${expected.calls}, ${expected.counts.join('+')})`);

    // Settled: every reservation, the creator's and the raisers' deltas, is given back.
    for (const { uid } of players) expect((await reservedBy(uid)).reserved).toBe(0);
    const { rows: raises } = await testDb().query('SELECT 1 FROM generation_raises WHERE request_key = $1', [requestKey]);
    expect(raises).toHaveLength(0);
  });

  test('a lower target after completion is answered done, free and without a model call', async () => {
    const before = await modelCalls(theme);
    const late = await player();
    const reply = await late.client.requestGeneration({ pool, targetCount: 46 });
    expect(reply).toMatchObject({ requestKey, status: 'done', created: false });
    const status = await untilGenerated(late.client, requestKey, 10_000);
    expect(status).toMatchObject({ status: 'done', target: 50, poolSize: 50 });
    expect((await modelCalls(theme)).calls).toBe(before.calls);
    expect(await reservedBy(late.uid)).toEqual({ requests: 0, reserved: 0 });
  });

  test('a higher target after completion generates only the delta, and reserves only the delta', async () => {
    const before = await modelCalls(theme);
    const { rows: [estimate] } = await testDb().query<{ tokens_per_question: number }>('SELECT tokens_per_question FROM generation_token_estimate');
    const raiser = await player();
    // Slowed, so the reservation can be seen while the work is in flight.
    await injectFaults(theme, [{ kind: 'delay', ms: 3_000 }]);
    const reply = await raiser.client.requestGeneration({ pool, targetCount: 60 });
    expect(reply).toMatchObject({ requestKey, status: 'pending', created: false });
    const held = await reservedBy(raiser.uid);
    expect(held.requests).toBe(1);
    expect(held.reserved).toBe(Math.ceil(10 * (estimate?.tokens_per_question ?? 0)));
    expect(held.reserved).toBeGreaterThan(0);

    const status = await untilGenerated(raiser.client, requestKey, 150_000, (s) => (s.target ?? 0) >= 60);
    expect(status).toMatchObject({ status: 'done', target: 60, poolSize: 60 });
    const after = await modelCalls(theme);
    // The delta only: 10 questions asked of the model, in one call.
    expect(after.counts.slice(before.counts.length)).toEqual([10]);
    expect((await rowsOf(pool)).map((r) => [r.target_count, r.status])).toEqual([[60, 'done']]);
    expect((await reservedBy(raiser.uid)).reserved).toBe(0);
  });

  test('a raise the caller\'s token quota cannot hold is refused, and records nothing', async () => {
    const spender = await player();
    // The test stack keeps QUOTA_USER_DAILY_TOKENS at 200,000: this account has spent all but one.
    await testDb().query(
      `INSERT INTO usage_daily (day, subject, tokens) VALUES ((now() AT TIME ZONE 'utc')::date, $1, 199999)
       ON CONFLICT (day, subject) DO UPDATE SET tokens = 199999`,
      [`user:${spender.uid}`],
    );
    await expect(spender.client.requestGeneration({ pool, targetCount: 70 })).rejects.toMatchObject({ code: 'functions/resource-exhausted' });
    expect((await rowsOf(pool)).map((r) => [r.target_count, r.status])).toEqual([[60, 'done']]);
    expect(await reservedBy(spender.uid)).toEqual({ requests: 0, reserved: 0 });
    const { rows } = await testDb().query('SELECT 1 FROM generation_requesters WHERE request_key = $1 AND uid = $2', [requestKey, spender.uid]);
    expect(rows).toHaveLength(0);
    // Joining what exists stays free for the same account.
    await expect(spender.client.requestGeneration({ pool, targetCount: 60 })).resolves.toMatchObject({ requestKey, status: 'done' });
  });
});

describe('migration 1732370000001: work done under an old (pool, target) key is carried forward', () => {
  test('a request at or below the largest target done is answered done without a model call, and its status document appears', async () => {
    const theme = `legacy ${randomBytes(3).toString('hex')}`;
    const pool = paidPool(theme);
    const params = poolParamsSchema.parse(pool);
    // Rows as the old key wrote them: sha256 of (pool, target), one per target asked.
    for (const target of [20, 30]) {
      await testDb().query(
        `INSERT INTO generation_requests (request_key, pool_key, params, target_count, status, generated_count, requested_by, enqueue_count, enqueued_at, started_at, finished_at)
         VALUES ($1, $2, $3, $4, 'done', $4, 'legacy-user', 1, now(), now(), now())`,
        [sha256Hex(canonicalJson({ pool: params, targetCount: target })), poolKeyOf(params), JSON.stringify(params), target],
      );
    }
    const { rows: [carried] } = await testDb().query<{ added: number }>('SELECT generation_carry_forward() AS added');
    expect(carried!.added).toBe(1);
    expect((await rowsOf(pool)).filter((r) => r.request_key === keyOf(pool)).map((r) => [r.target_count, r.status])).toEqual([[30, 'done']]);

    const late = await player();
    const reply = await late.client.requestGeneration({ pool, targetCount: 25 });
    expect(reply).toMatchObject({ requestKey: keyOf(pool), status: 'done', created: false });
    // The first requester of a carried row creates its status document (it had none).
    expect(await untilGenerated(late.client, reply.requestKey, 10_000)).toMatchObject({ status: 'done', target: 30 });
    expect((await modelCalls(theme)).calls).toBe(0);
    expect(await reservedBy(late.uid)).toEqual({ requests: 0, reserved: 0 });
  });
});
