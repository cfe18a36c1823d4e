import { randomBytes } from 'node:crypto';
import { callOrThrow, deliverTaskAcknowledged, signUp, type SignedIn } from './support/client';
import { injectFaults, modelCalls } from './support/fakeOpenAI';
import { poolItemSnapshots, uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testDb } from './support/stack';

// The generator through the emulators, against the fake OpenAI server: "cinema" is a subject only
// the OpenAI generator serves, and every test has its own theme, so faults and call counts are its own.

type Accepted = { requestKey: string; poolKey: string; status: string; created: boolean };

let player: SignedIn;
beforeAll(async () => {
  player = await signUp();
});
afterAll(closeTestClients);

function themed() {
  const theme = `fault ${randomBytes(4).toString('hex')}`;
  return { theme, pool: uniquePool({ subject: 'cinema', theme }) };
}

async function row(requestKey: string) {
  const { rows } = await testDb().query('SELECT * FROM generation_requests WHERE request_key = $1', [requestKey]);
  return rows[0];
}

async function itemSignature(poolKey: string) {
  return (await poolItemSnapshots(poolKey)).map((doc) => `${doc.id}:${doc.updateTime.toMillis()}`).sort();
}

describe('generation against the model', () => {
  test('a task delivered 10 times makes exactly one model call and one identical pool', async () => {
    const { theme, pool } = themed();
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 10 }, player);
    const deliveries = await Promise.all(Array.from({ length: 10 }, () => deliverTaskAcknowledged('generateQuestionPool', { requestKey: accepted.requestKey })));
    expect(deliveries.every(Boolean)).toBe(true);
    await waitForStatus(accepted.requestKey, ['done']);
    const first = await itemSignature(accepted.poolKey);
    for (let i = 0; i < 10; i++) await deliverTaskAcknowledged('generateQuestionPool', { requestKey: accepted.requestKey });
    expect(await itemSignature(accepted.poolKey)).toEqual(first);
    expect(first).toHaveLength(10);
    expect((await modelCalls(theme)).calls).toBe(1);
    const done = await row(accepted.requestKey);
    expect(done).toMatchObject({ status: 'done', generated_count: 10 });
    expect(done.tokens_in).toBeGreaterThan(0);
    const usage = await testDb().query(`SELECT tokens FROM usage_daily WHERE subject = $1`, [`user:${player.uid}`]);
    expect(Number(usage.rows[0].tokens)).toBeGreaterThanOrEqual(done.tokens_in + done.tokens_out);
  });

  test('large targets take several calls of at most OPENAI_QUESTIONS_PER_CALL', async () => {
    const { theme, pool } = themed();
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 25 }, player);
    expect((await waitForStatus(accepted.requestKey, ['done'])).status).toBe('done');
    expect((await modelCalls(theme)).counts).toEqual([10, 10, 5]);
    expect(await poolItemSnapshots(accepted.poolKey)).toHaveLength(25);
  });

  test('a 5xx releases the lease and the retried delivery finishes the job', async () => {
    const { theme, pool } = themed();
    await injectFaults(theme, [{ kind: 'status', status: 500 }]);
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 5 }, player);
    expect((await waitForStatus(accepted.requestKey, ['done'], 90_000)).status).toBe('done');
    const done = await row(accepted.requestKey);
    expect(done).toMatchObject({ status: 'done', attempts: 2 });
    expect((await modelCalls(theme)).calls).toBe(2);
    const attempts = await testDb().query('SELECT attempt, outcome, error FROM generation_attempts WHERE request_key = $1 ORDER BY attempt', [accepted.requestKey]);
    expect(attempts.rows.map((a) => a.outcome)).toEqual(['retry', 'done']);
    expect(attempts.rows[0].error).toMatch(/model error 500/);
  });

  test('a refusal fails the request for good, with a clear last_error, and the task is acknowledged', async () => {
    const { theme, pool } = themed();
    await injectFaults(theme, [{ kind: 'refusal' }]);
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 5 }, player);
    const final = await waitForStatus(accepted.requestKey, ['failed']);
    expect(final.status).toBe('failed');
    // Clients read a stable code and a fixed sentence; the raw text is in Postgres for admins.
    expect(final).toMatchObject({ errorCode: 'model-refused', error: 'The model declined to write these questions.' });
    expect(await row(accepted.requestKey)).toMatchObject({ status: 'failed', attempts: 1, lease_expires_at: null, last_error: expect.stringMatching(/model refused/) });
    expect((await modelCalls(theme)).calls).toBe(1);
  });

  test('output invalid even after the repair attempt fails the request', async () => {
    const { theme, pool } = themed();
    await injectFaults(theme, [{ kind: 'malformed' }, { kind: 'invalid' }]);
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 5 }, player);
    const final = await waitForStatus(accepted.requestKey, ['failed']);
    expect(final.status).toBe('failed');
    expect(final.errorCode).toBe('model-output-invalid');
    expect(await row(accepted.requestKey)).toMatchObject({ last_error: expect.stringMatching(/invalid after a repair attempt/) });
    expect(await modelCalls(theme)).toMatchObject({ calls: 2, repairs: 1 });
  });

  test('a truncated answer (finish_reason=length) is asked again with a smaller batch', async () => {
    const { theme, pool } = themed();
    await injectFaults(theme, [{ kind: 'length' }]);
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 8 }, player);
    expect((await waitForStatus(accepted.requestKey, ['done'])).status).toBe('done');
    expect((await modelCalls(theme)).counts).toEqual([8, 4, 4]);
  });

  test('a 429 defers the request until Retry-After, without spending an attempt', async () => {
    const { theme, pool } = themed();
    await injectFaults(theme, [{ kind: 'status', status: 429, retryAfter: 120 }]);
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 5 }, player);
    // The emulator's own delivery meets the 429; wait for the deferral to be recorded.
    const deadline = Date.now() + 30_000;
    let deferred = await row(accepted.requestKey);
    while (!deferred.not_before && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      deferred = await row(accepted.requestKey);
    }
    expect(deferred).toMatchObject({ status: 'pending', attempts: 0, lease_expires_at: null });
    expect(deferred.not_before.getTime() - Date.now()).toBeGreaterThan(100_000);
    // Delivered early, the task is refused (so Cloud Tasks keeps it) and the model is not called.
    expect(await deliverTaskAcknowledged('generateQuestionPool', { requestKey: accepted.requestKey })).toBe(false);
    expect((await modelCalls(theme)).calls).toBe(1);
    // Once the time has come, the next delivery does the work.
    await testDb().query(`UPDATE generation_requests SET not_before = now() - interval '1 second' WHERE request_key = $1`, [accepted.requestKey]);
    expect(await deliverTaskAcknowledged('generateQuestionPool', { requestKey: accepted.requestKey })).toBe(true);
    expect(await row(accepted.requestKey)).toMatchObject({ status: 'done', attempts: 1 });
  });

  test('a model that hangs is abandoned, the lease released, and nothing stays running', async () => {
    const { theme, pool } = themed();
    await injectFaults(theme, [{ kind: 'hang', ms: 60_000 }]);
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 5 }, player);
    // OPENAI_TIMEOUT_SECONDS is 5 in the test stack; the retry (backoff ≥ 10 s) then succeeds.
    const final = await waitForStatus(accepted.requestKey, ['done'], 90_000);
    expect(final.status).toBe('done');
    const attempts = await testDb().query('SELECT outcome, error, finished_at - started_at AS took FROM generation_attempts WHERE request_key = $1 ORDER BY attempt', [accepted.requestKey]);
    expect(attempts.rows[0]).toMatchObject({ outcome: 'retry', error: expect.stringMatching(/timed out|unreachable/i) });
    expect(await row(accepted.requestKey)).toMatchObject({ status: 'done', lease_expires_at: null });
  });
});
