import { callOrThrow, deliverTaskAcknowledged, signUp, type SignedIn } from './support/client';
import { poolItemSnapshots, uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testDb, testFirestore } from './support/stack';
import { poolKeyOf, poolParamsSchema, requestKeyOf } from '../src/questions/poolParams';
import { questionIdOf } from '../src/questions/question';

type Accepted = { requestKey: string; poolKey: string; status: string; created: boolean };

let player: SignedIn;
beforeAll(async () => {
  player = await signUp();
});
afterAll(closeTestClients);

async function row(requestKey: string) {
  const { rows } = await testDb().query('SELECT * FROM generation_requests WHERE request_key = $1', [requestKey]);
  return rows[0];
}

/** Inserts a request row directly, as if accepted earlier, without enqueuing a task. */
async function insertRequest(targetCount: number, extra: { status?: string; leaseSeconds?: number; attempts?: number; result?: unknown } = {}) {
  const pool = poolParamsSchema.parse(uniquePool({ theme: 'continents' }));
  const requestKey = requestKeyOf({ pool, targetCount });
  const poolKey = poolKeyOf(pool);
  await testDb().query(
    `INSERT INTO generation_requests (request_key, pool_key, params, target_count, status, attempts, lease_expires_at, result, requested_by, enqueue_count, enqueued_at)
     VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::int IS NULL THEN NULL ELSE now() + make_interval(secs => $7::int) END, $8, 'test', 1, now())`,
    [requestKey, poolKey, JSON.stringify(pool), targetCount, extra.status ?? 'pending', extra.attempts ?? 0, extra.leaseSeconds ?? null, extra.result === undefined ? null : JSON.stringify(extra.result)],
  );
  return { requestKey, poolKey, pool };
}

describe('generateQuestionPool', () => {
  test('a task delivered again after done writes nothing and the status stays done', async () => {
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool: uniquePool(), targetCount: 12 }, player);
    await waitForStatus(accepted.requestKey, ['done']);
    const before = await poolItemSnapshots(accepted.poolKey);
    const rowBefore = await row(accepted.requestKey);

    for (let i = 0; i < 3; i++) expect(await deliverTaskAcknowledged('generateQuestionPool', { requestKey: accepted.requestKey })).toBe(true);

    const after = await poolItemSnapshots(accepted.poolKey);
    expect(after.map((doc) => doc.id).sort()).toEqual(before.map((doc) => doc.id).sort());
    // No document was rewritten: update times are unchanged.
    const beforeTimes = new Map(before.map((doc) => [doc.id, doc.updateTime.toMillis()]));
    for (const doc of after) expect(doc.updateTime.toMillis()).toBe(beforeTimes.get(doc.id));
    const rowAfter = await row(accepted.requestKey);
    expect(rowAfter).toMatchObject({ status: 'done', attempts: rowBefore.attempts, finished_at: rowBefore.finished_at });
    const status = await testFirestore().collection('generation_status').doc(accepted.requestKey).get();
    expect(status.get('status')).toBe('done');
  });

  test('a task for a row leased by another worker is acknowledged without work', async () => {
    const { requestKey, poolKey } = await insertRequest(5, { status: 'running', leaseSeconds: 120, attempts: 1 });
    expect(await deliverTaskAcknowledged('generateQuestionPool', { requestKey })).toBe(true);
    expect(await row(requestKey)).toMatchObject({ status: 'running', attempts: 1 });
    expect(await poolItemSnapshots(poolKey)).toHaveLength(0);
  });

  test('a running row whose lease expired is claimed again and finished', async () => {
    const { requestKey, poolKey } = await insertRequest(6, { status: 'running', leaseSeconds: -5, attempts: 1 });
    expect(await deliverTaskAcknowledged('generateQuestionPool', { requestKey })).toBe(true);
    expect(await row(requestKey)).toMatchObject({ status: 'done', attempts: 2, generated_count: 6, lease_expires_at: null });
    expect(await poolItemSnapshots(poolKey)).toHaveLength(6);
  });

  test('a stored result is written as it is, without generating again', async () => {
    const prompt = `Which stored question is this? ${Date.now()}`;
    const stored = {
      generator: 'facts',
      model: 'stored-model',
      generatedAt: '2026-01-01T00:00:00.000Z',
      exhausted: false,
      questions: [{ id: questionIdOf(prompt), prompt, choices: ['This one', 'Another'], answerIndex: 0, explanation: 'It was stored.', difficulty: 'medium', source: 'facts', model: 'stored-model' }],
    };
    const { requestKey, poolKey } = await insertRequest(1, { result: stored });
    expect(await deliverTaskAcknowledged('generateQuestionPool', { requestKey })).toBe(true);
    const items = await poolItemSnapshots(poolKey);
    expect(items.map((doc) => doc.id)).toEqual([questionIdOf(prompt)]);
    expect(items[0]!.data()).toMatchObject({ prompt, model: 'stored-model', createdAt: '2026-01-01T00:00:00.000Z', requestKey });
    expect(await row(requestKey)).toMatchObject({ status: 'done', attempts: 1 });
  });

  test('a pool that already holds the target is done without new questions', async () => {
    const pool = uniquePool();
    const big = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 8 }, player);
    await waitForStatus(big.requestKey, ['done']);
    // One generation per pool (issue 17 §4): the smaller request joins the pool's done work.
    const small = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 5 }, player);
    expect(small).toMatchObject({ requestKey: big.requestKey, status: 'done', created: false });
    const final = await waitForStatus(small.requestKey, ['done']);
    expect(final).toMatchObject({ status: 'done', generated: 8, poolSize: 8, target: 8 });
  });

  test('a malformed task payload is acknowledged, not retried forever', async () => {
    expect(await deliverTaskAcknowledged('generateQuestionPool', { requestKey: 'not-a-key' })).toBe(true);
  });
});
