import { randomBytes } from 'node:crypto';
import { callFunction, callOrThrow, signIn, signUp, type SignedIn } from './support/client';
import { injectFaults, modelCalls } from './support/fakeOpenAI';
import { uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testDb } from './support/stack';

type Accepted = { requestKey: string; poolKey: string; status: string; created: boolean };

let player: SignedIn;
let admin: SignedIn;
let viewer: SignedIn;
beforeAll(async () => {
  [player, admin, viewer] = await Promise.all([signUp(), signIn('admin@example.com', 'admin-password'), signIn('viewer@example.com', 'viewer-password')]);
});
afterAll(closeTestClients);

async function failedRequest() {
  const theme = `retry ${randomBytes(4).toString('hex')}`;
  const pool = uniquePool({ subject: 'cinema', theme });
  await injectFaults(theme, [{ kind: 'refusal' }]);
  const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 4 }, player);
  expect((await waitForStatus(accepted.requestKey, ['failed'])).status).toBe('failed');
  return { theme, pool, accepted };
}

describe('retryRequest (admin)', () => {
  test('reopens a failed request at once and it completes', async () => {
    const { theme, accepted } = await failedRequest();
    const reply = await callOrThrow('retryRequest', { requestKey: accepted.requestKey }, admin);
    expect(reply).toEqual({ requestKey: accepted.requestKey, status: 'pending', requeued: true });
    expect((await waitForStatus(accepted.requestKey, ['done'])).status).toBe('done');
    expect((await modelCalls(theme)).calls).toBe(2);
    const row = (await testDb().query('SELECT status, attempts, enqueue_count FROM generation_requests WHERE request_key = $1', [accepted.requestKey])).rows[0];
    expect(row).toMatchObject({ status: 'done', attempts: 1, enqueue_count: 2 });
  });

  test('leaves done work alone', async () => {
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool: uniquePool(), targetCount: 3 }, player);
    await waitForStatus(accepted.requestKey, ['done']);
    expect(await callOrThrow('retryRequest', { requestKey: accepted.requestKey }, admin)).toMatchObject({ status: 'done', requeued: false });
  });

  test('is refused to players, and answers not-found and invalid-argument for bad keys', async () => {
    expect(await callFunction('retryRequest', { requestKey: 'a'.repeat(64) }, player)).toMatchObject({ ok: false, status: 'PERMISSION_DENIED' });
    expect(await callFunction('retryRequest', { requestKey: 'a'.repeat(64) })).toMatchObject({ ok: false, status: 'UNAUTHENTICATED' });
    expect(await callFunction('retryRequest', { requestKey: 'a'.repeat(64) }, admin)).toMatchObject({ ok: false, status: 'NOT_FOUND' });
    expect(await callFunction('retryRequest', { requestKey: 'nope' }, admin)).toMatchObject({ ok: false, status: 'INVALID_ARGUMENT' });
  });

  test('is refused to a read-only viewer, and every admin call leaves an audit row', async () => {
    const { accepted } = await failedRequest();
    expect(await callFunction('retryRequest', { requestKey: accepted.requestKey }, viewer)).toMatchObject({ ok: false, status: 'PERMISSION_DENIED' });
    const status = await testDb().query('SELECT status FROM generation_requests WHERE request_key = $1', [accepted.requestKey]);
    expect(status.rows[0].status).toBe('failed');

    await callOrThrow('retryRequest', { requestKey: accepted.requestKey }, admin);
    const missing = 'b'.repeat(64);
    await callFunction('retryRequest', { requestKey: missing }, admin);
    const audit = await testDb().query(
      `SELECT actor_uid, actor_email, outcome, error, params FROM admin_actions WHERE action = 'retryRequest' AND target = ANY($1) ORDER BY id`,
      [[accepted.requestKey, missing]],
    );
    expect(audit.rows.map((row) => row.outcome)).toEqual(['ok', 'error']);
    expect(audit.rows[0]).toMatchObject({ actor_uid: admin.uid, actor_email: 'admin@example.com', params: { requestKey: accepted.requestKey } });
    expect(audit.rows[1].error).toMatch(/NotFound/);
  });
});

describe('failed requests reopen after the cooldown', () => {
  test('an identical request inside the cooldown reports failed; after it, the work runs again', async () => {
    const { theme, pool, accepted } = await failedRequest();
    const early = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 4 }, player);
    expect(early).toMatchObject({ requestKey: accepted.requestKey, status: 'failed', created: false });
    // FAILED_COOLDOWN_SECONDS is 2 in the test stack; age the failure instead of sleeping.
    await testDb().query(`UPDATE generation_requests SET finished_at = now() - interval '1 minute' WHERE request_key = $1`, [accepted.requestKey]);
    const later = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 4 }, player);
    expect(later).toMatchObject({ requestKey: accepted.requestKey, status: 'pending' });
    expect((await waitForStatus(accepted.requestKey, ['done'])).status).toBe('done');
    expect((await modelCalls(theme)).calls).toBe(2);
  });
});

describe('generationStats (admin)', () => {
  test('reports counts, success rate, durations, tokens and the latest errors', async () => {
    const { accepted } = await failedRequest();
    type Stats = {
      requestsByStatus: Record<string, number>;
      last24h: { attempts: number; done: number; failed: number; successRate: number; p50DurationMs: number; p95DurationMs: number };
      tokensToday: number;
      latestErrors: Array<{ requestKey: string; error: string }>;
    };
    // Other files' tasks may still be running in the emulator: compare against counts that held
    // still for the whole call.
    const countsByStatus = async () =>
      Object.fromEntries((await testDb().query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM generation_requests GROUP BY status`)).rows.map((r) => [r.status, r.n]));
    let stats!: Stats;
    let before: Record<string, number> = {};
    let after: Record<string, number> = { unsettled: 1 };
    for (let tries = 0; tries < 20 && JSON.stringify(before) !== JSON.stringify(after); tries++) {
      before = await countsByStatus();
      stats = await callOrThrow<Stats>('generationStats', {}, admin);
      after = await countsByStatus();
    }
    expect(after).toEqual(before);
    for (const [status, n] of Object.entries(after)) expect(stats.requestsByStatus[status]).toBe(n);
    expect(stats.last24h.done).toBeGreaterThan(0);
    expect(stats.last24h.failed).toBeGreaterThan(0);
    expect(stats.last24h.successRate).toBeCloseTo(stats.last24h.done / (stats.last24h.done + stats.last24h.failed), 5);
    expect(stats.last24h.p95DurationMs).toBeGreaterThanOrEqual(stats.last24h.p50DurationMs);
    expect(stats.tokensToday).toBeGreaterThan(0);
    expect(stats.latestErrors.find((e) => e.requestKey === accepted.requestKey)?.error).toMatch(/model refused/);
    expect(await callFunction('generationStats', {}, player)).toMatchObject({ ok: false, status: 'PERMISSION_DENIED' });
    // Read-only viewers see the same figures.
    expect(await callFunction('generationStats', {}, viewer)).toMatchObject({ ok: true });
  });
});
