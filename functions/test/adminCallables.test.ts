import { randomBytes } from 'node:crypto';
import { callFunction, callOrThrow, signIn, signUp, type SignedIn } from './support/client';
import { injectFaults } from './support/fakeOpenAI';
import { uniquePool, waitForAttemptRows, waitForStatus } from './support/pools';
import { ProviderFixtures } from './support/providerFixtures';
import { closeTestClients, testDb, testFirestore, testStack } from './support/stack';

// The console's callables at the API level: roles, input validation, and what each one does.

type Accepted = { requestKey: string; poolKey: string; status: string };
type ListReply = { requests: Array<{ requestKey: string; status: string; lastError: string | null; createdAt: string }>; total: number; next?: string };

let player: SignedIn;
let admin: SignedIn;
let viewer: SignedIn;
beforeAll(async () => {
  [player, admin, viewer] = await Promise.all([signUp(), signIn('admin@example.com', 'admin-password'), signIn('viewer@example.com', 'viewer-password')]);
});
afterAll(closeTestClients);

async function failedRequest(theme = `api ${randomBytes(4).toString('hex')}`, targetCount = 3): Promise<Accepted> {
  await injectFaults(theme, [{ kind: 'refusal' }]);
  const accepted = await callOrThrow<Accepted>('requestGeneration', { pool: uniquePool({ subject: 'cinema', theme }), targetCount }, player);
  expect((await waitForStatus(accepted.requestKey, ['failed'])).status).toBe('failed');
  await waitForAttemptRows(accepted.requestKey);
  return accepted;
}

const ACTIONS: Array<[string, unknown]> = [
  ['adminRetryRequests', { requestKeys: ['a'.repeat(64)] }],
  ['adminCancelRequests', { requestKeys: ['a'.repeat(64)] }],
  ['adminSetQuestionState', { poolKey: 'en|gb|easy|geography|world|mcq|v1', questionId: 'q', state: 'removed' }],
  ['adminTopUpPool', { poolKey: 'en|gb|easy|geography|world|mcq|v1', targetCount: 10 }],
  ['adminQueueControl', { action: 'pause' }],
];
const READS: Array<[string, unknown]> = [
  ['adminOverview', {}], ['adminListRequests', {}], ['adminListPools', {}], ['adminQueueStatus', {}], ['adminListDiscovery', {}], ['adminListAudit', {}],
];

describe('roles', () => {
  test('actions are refused to players and viewers, reads to players and strangers', async () => {
    for (const [name, data] of ACTIONS) {
      expect({ name, ...(await callFunction(name, data, player)) }).toMatchObject({ name, ok: false, status: 'PERMISSION_DENIED' });
      expect({ name, ...(await callFunction(name, data, viewer)) }).toMatchObject({ name, ok: false, status: 'PERMISSION_DENIED' });
      expect({ name, ...(await callFunction(name, data)) }).toMatchObject({ name, ok: false, status: 'UNAUTHENTICATED' });
    }
    for (const [name, data] of READS) {
      expect({ name, ...(await callFunction(name, data, player)) }).toMatchObject({ name, ok: false, status: 'PERMISSION_DENIED' });
      expect({ name, ...(await callFunction(name, data, viewer)) }).toMatchObject({ name, ok: true });
    }
    // Nothing a refused caller asked for was recorded as done.
    const { rows } = await testDb().query(`SELECT count(*)::int AS n FROM admin_actions WHERE actor_uid = ANY($1)`, [[player.uid, viewer.uid]]);
    expect(rows[0].n).toBe(0);
  }, 240_000); // 27 calls, many of them a cold emulator worker each
});

describe('input validation', () => {
  test('bad input is an invalid-argument that names the field', async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['adminListRequests', { filter: { status: 'stuck' } }, /filter.status/],
      ['adminListRequests', { filter: { keyPrefix: 'xyz' } }, /filter.keyPrefix/],
      ['adminListRequests', { filter: { from: 'yesterday' } }, /filter.from/],
      ['adminListRequests', { limit: 10_000 }, /limit/],
      ['adminListRequests', { after: 'page-2' }, /after/],
      ['adminGetRequest', { requestKey: 'nope' }, /requestKey/],
      ['adminRetryRequests', { filter: {}, expectedCount: 0 }, /at least one condition/],
      ['adminRetryRequests', { requestKeys: [] }, /requestKeys/],
      ['adminCancelRequests', { everything: true }, /./],
      ['adminSetQuestionState', { poolKey: 'p|q', questionId: 'x', state: 'deleted' }, /state/],
      ['adminTopUpPool', { poolKey: 'en|gb|easy|geography|world|mcq|v1', targetCount: 0 }, /targetCount/],
      ['adminQueueControl', { action: 'drain' }, /action/],
      ['adminListPoolQuestions', { poolKey: 'a/b' }, /poolKey/],
      ['adminGetDiscoveryEntry', {}, /cacheKey/],
      ['adminListAudit', { limit: 0 }, /limit/],
    ];
    for (const [name, data, message] of cases) {
      const outcome = await callFunction(name, data, admin);
      expect({ name, data, ...outcome }).toMatchObject({ name, data, ok: false, status: 'INVALID_ARGUMENT' });
      if (!outcome.ok) expect(outcome.message).toMatch(message);
    }
    expect(await callFunction('adminGetRequest', { requestKey: 'c'.repeat(64) }, admin)).toMatchObject({ ok: false, status: 'NOT_FOUND' });
    expect(await callFunction('adminListPoolQuestions', { poolKey: `en|gb|easy|geography|nothing-${randomBytes(3).toString('hex')}|mcq|v1` }, admin)).toMatchObject({ ok: false, status: 'NOT_FOUND' });
  }, 180_000);
});

describe('requests', () => {
  test('search by pool part, status, requester email or uid, key prefix and dates; pages with a cursor', async () => {
    const theme = `search ${randomBytes(4).toString('hex')}`;
    const slug = theme.replace(' ', '-');
    const first = await failedRequest(theme, 3);
    const second = await failedRequest(theme, 4);
    const byPart = await callOrThrow<ListReply>('adminListRequests', { filter: { pool: slug } }, viewer);
    expect(byPart.total).toBe(2);
    expect(byPart.requests.map((r) => r.requestKey)).toEqual([second.requestKey, first.requestKey]); // newest first
    expect((await callOrThrow<ListReply>('adminListRequests', { filter: { pool: first.poolKey.split('|').slice(0, 5).join('|') } }, viewer)).total).toBe(2);
    expect((await callOrThrow<ListReply>('adminListRequests', { filter: { pool: slug, status: 'done' } }, viewer)).total).toBe(0);
    expect((await callOrThrow<ListReply>('adminListRequests', { filter: { pool: slug, requester: player.uid } }, viewer)).total).toBe(2);
    expect((await callOrThrow<ListReply>('adminListRequests', { filter: { pool: slug, requester: 'viewer@example.com' } }, viewer)).total).toBe(0);
    expect((await callOrThrow<ListReply>('adminListRequests', { filter: { keyPrefix: first.requestKey.slice(0, 10) } }, viewer)).requests.map((r) => r.requestKey)).toContain(first.requestKey);
    const today = new Date().toISOString().slice(0, 10);
    expect((await callOrThrow<ListReply>('adminListRequests', { filter: { pool: slug, from: today, to: today } }, viewer)).total).toBe(2);
    expect((await callOrThrow<ListReply>('adminListRequests', { filter: { pool: slug, to: '2020-01-01' } }, viewer)).total).toBe(0);

    const page1 = await callOrThrow<ListReply>('adminListRequests', { filter: { pool: slug }, limit: 1 }, viewer);
    expect(page1.requests).toHaveLength(1);
    const page2 = await callOrThrow<ListReply>('adminListRequests', { filter: { pool: slug }, limit: 1, after: page1.next }, viewer);
    expect(page2.requests.map((r) => r.requestKey)).toEqual([first.requestKey]);
    expect(page2.next).toBeUndefined();
  }, 120_000);

  test('the detail shows params, requesters with emails, the attempts timeline and the stored result', async () => {
    const accepted = await failedRequest();
    const detail = await callOrThrow<{ request: Record<string, unknown>; requesters: Array<{ uid: string }>; attempts: Array<{ outcome: string; error: string; durationMs: number }>; pool: unknown }>(
      'adminGetRequest', { requestKey: accepted.requestKey }, viewer);
    expect(detail.request).toMatchObject({ requestKey: accepted.requestKey, status: 'failed', resultBytes: null, params: expect.objectContaining({ subject: 'cinema' }) });
    expect(detail.requesters.map((r) => r.uid)).toEqual([player.uid]);
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts[0]).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/model refused/) });
    expect(detail.attempts[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(detail.pool).toBeNull();
  }, 60_000);

  test('the batch filter lists the requests a batch accepted, not the pools it dropped', async () => {
    const a = { pool: uniquePool({ theme: 'flags' }), targetCount: 3 };
    const mine = await callOrThrow<Accepted>('requestGeneration', a, player);
    expect((await waitForStatus(mine.requestKey, ['done'])).status).toBe('done');
    // Cancelled before it started: both pools dropped, though a request for the first one exists.
    const dropped = await callOrThrow<{ batchId: string }>('createBatch', { plan: [a, { pool: uniquePool({ theme: 'flags' }), targetCount: 3 }], dryRun: false }, admin);
    await callOrThrow('cancelBatch', { batchId: dropped.batchId }, admin);
    expect(await callOrThrow<ListReply>('adminListRequests', { filter: { batchId: dropped.batchId } }, viewer)).toMatchObject({ total: 0, requests: [] });

    const started = await callOrThrow<{ batchId: string }>('createBatch', { plan: [a, { pool: uniquePool({ theme: 'flags' }), targetCount: 3 }], dryRun: false }, admin);
    await callOrThrow('startBatch', { batchId: started.batchId }, admin);
    const { requests } = await callOrThrow<{ requests: Array<{ requestKey: string }> }>('getBatch', { batchId: started.batchId }, admin);
    for (const r of requests) expect((await waitForStatus(r.requestKey, ['done'])).status).toBe('done');
    const listed = await callOrThrow<ListReply>('adminListRequests', { filter: { batchId: started.batchId } }, viewer);
    expect(listed.total).toBe(2);
    expect(listed.requests.map((r) => r.requestKey).sort()).toEqual(requests.map((r) => r.requestKey).sort());
    expect(listed.requests.map((r) => r.requestKey)).toContain(mine.requestKey);
    // Requests a batch cancelled are searchable by their status.
    expect(await callOrThrow<ListReply>('adminListRequests', { filter: { batchId: started.batchId, status: 'cancelled' } }, viewer)).toMatchObject({ total: 0 });
  }, 90_000);

  test('cancel stops a running request for good; bulk actions refuse an empty filter and report what they skipped', async () => {
    const theme = `cancel ${randomBytes(4).toString('hex')}`;
    // The model hangs past the call timeout: the request stays running, then retries.
    await injectFaults(theme, [{ kind: 'hang', ms: 8_000 }]);
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool: uniquePool({ subject: 'cinema', theme }), targetCount: 3 }, player);
    await waitForStatus(accepted.requestKey, ['running']);
    const cancelled = await callOrThrow<{ matched: number; changed: number; skipped: number }>('adminCancelRequests', { filter: { pool: theme.replace(' ', '-') }, expectedCount: 1 }, admin);
    expect(cancelled).toMatchObject({ matched: 1, changed: 1, skipped: 0 });
    const { rows } = await testDb().query(`SELECT status, last_error FROM generation_requests WHERE request_key = $1`, [accepted.requestKey]);
    expect(rows[0]).toMatchObject({ status: 'failed', last_error: 'cancelled by an admin (admin@example.com)' });
    // The requester reads that an admin cancelled it, not which admin.
    expect(await waitForStatus(accepted.requestKey, ['failed'])).toMatchObject({ errorCode: 'cancelled-by-admin', error: 'Cancelled by an administrator.' });
    // The hung attempt ends later: it cannot bring the request back.
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    const after = await testDb().query(`SELECT status FROM generation_requests WHERE request_key = $1`, [accepted.requestKey]);
    expect(after.rows[0].status).toBe('failed');
    // Cancelling it again changes nothing.
    expect(await callOrThrow('adminCancelRequests', { requestKeys: [accepted.requestKey] }, admin)).toMatchObject({ matched: 1, changed: 0, skipped: 1 });
    const audit = await testDb().query(`SELECT action, outcome, result FROM admin_actions WHERE actor_uid = $1 AND action = 'cancelRequests' ORDER BY id DESC LIMIT 2`, [admin.uid]);
    expect(audit.rows.map((r) => [r.outcome, r.result.changed])).toEqual([['ok', 0], ['ok', 1]]);
  }, 120_000);
});

describe('pools', () => {
  test('list, browse with answers, flag then keep a question, and top up to a new target', async () => {
    const pool = uniquePool({ theme: 'capitals' });
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 4 }, player);
    expect((await waitForStatus(accepted.requestKey, ['done'])).status).toBe('done');
    const list = await callOrThrow<{ pools: Array<{ poolKey: string; size: number; lang: string; generator: string; lastWriteAt: string }> }>('adminListPools', { prefix: accepted.poolKey }, viewer);
    expect(list.pools).toEqual([expect.objectContaining({ poolKey: accepted.poolKey, size: 4, lang: 'en', generator: 'facts', lastWriteAt: expect.any(String) })]);

    type Browse = { pool: { count: number }; questions: Array<{ id: string; choices: string[]; answerIndex: number; state: string; stateReason: string | null }> };
    const browse = await callOrThrow<Browse>('adminListPoolQuestions', { poolKey: accepted.poolKey }, viewer);
    expect(browse.questions).toHaveLength(4);
    expect(browse.questions[0]!.choices[browse.questions[0]!.answerIndex]).toEqual(expect.any(String));
    const target = browse.questions[1]!.id;
    await callOrThrow('adminSetQuestionState', { poolKey: accepted.poolKey, questionId: target, state: 'flagged', reason: 'ambiguous' }, admin);
    const flagged = await callOrThrow<Browse>('adminListPoolQuestions', { poolKey: accepted.poolKey, state: 'flagged' }, viewer);
    expect(flagged.questions).toEqual([expect.objectContaining({ id: target, state: 'flagged', stateReason: 'ambiguous' })]);
    await callOrThrow('adminSetQuestionState', { poolKey: accepted.poolKey, questionId: target, state: 'active', reason: 'kept' }, admin);
    expect((await callOrThrow<Browse>('adminListPoolQuestions', { poolKey: accepted.poolKey, state: 'active' }, viewer)).questions).toHaveLength(4);
    expect(await callFunction('adminSetQuestionState', { poolKey: accepted.poolKey, questionId: 'missing', state: 'removed' }, admin)).toMatchObject({ ok: false, status: 'NOT_FOUND' });

    const topUp = await callOrThrow<Accepted>('adminTopUpPool', { poolKey: accepted.poolKey, targetCount: 7 }, admin);
    expect(topUp.poolKey).toBe(accepted.poolKey);
    expect((await waitForStatus(topUp.requestKey, ['done'])).status).toBe('done');
    expect((await testFirestore().collection('question_pools').doc(accepted.poolKey).get()).get('count')).toBe(7);
    const audit = await testDb().query(`SELECT action, target, outcome FROM admin_actions WHERE actor_uid = $1 AND target LIKE $2 ORDER BY id`, [admin.uid, `${accepted.poolKey}%`]);
    expect(audit.rows.map((r) => `${r.action}:${r.outcome}`)).toEqual(['setQuestionState:ok', 'setQuestionState:ok', 'setQuestionState:error', 'topUpPool:ok']);
  }, 120_000);
});

describe('discovery', () => {
  test('a failed refresh shows as the list\'s last error (and a failing provider) until a refresh succeeds', async () => {
    const fixtures = await ProviderFixtures.start(testStack().discoveryFixturePort);
    try {
      type Entries = { entries: Array<{ cacheKey: string; items: number; lastError: string | null; hitRatio: number | null }> };
      const key = 'itunes:charts:songs';
      await callOrThrow('refreshDiscoveryNow', { key }, admin);
      const fresh = (await callOrThrow<Entries>('adminListDiscovery', { provider: 'itunes' }, viewer)).entries.find((e) => e.cacheKey === key)!;
      expect(fresh).toMatchObject({ lastError: null, items: expect.any(Number) });
      expect(fresh.items).toBeGreaterThan(0);

      fixtures.fail('itunes', { kind: 'status', status: 500 });
      const failed = await callOrThrow<{ failed: number }>('refreshDiscoveryNow', { key }, admin);
      expect(failed.failed).toBe(1);
      const broken = (await callOrThrow<Entries>('adminListDiscovery', { provider: 'itunes' }, viewer)).entries.find((e) => e.cacheKey === key)!;
      expect(broken.lastError).toMatch(/500/);
      const overview = await callOrThrow<{ failingProviders: Array<{ provider: string; kind: string }> }>('adminOverview', {}, viewer);
      expect(overview.failingProviders).toContainEqual(expect.objectContaining({ provider: 'itunes', kind: 'discovery' }));
      const entry = await callOrThrow<{ entry: { data: unknown[] } }>('adminGetDiscoveryEntry', { cacheKey: key }, viewer);
      expect(entry.entry.data.length).toBe(fresh.items); // the stale list is still there to see

      fixtures.reset();
      await callOrThrow('refreshDiscoveryNow', { key }, admin);
      expect((await callOrThrow<Entries>('adminListDiscovery', { provider: 'itunes' }, viewer)).entries.find((e) => e.cacheKey === key)!.lastError).toBeNull();
    } finally {
      await fixtures.close();
    }
  }, 90_000);
});

describe('overview, queue, audit', () => {
  test('the overview is computed, mirrored to admin_stats/generation, and counts what Postgres holds', async () => {
    const overview = await callOrThrow<{ requestsByStatus: Record<string, number>; today: { tokenBudget: number }; computedAt: string }>('adminOverview', {}, viewer);
    const { rows } = await testDb().query(`SELECT count(*)::int AS n FROM generation_requests WHERE status = 'done'`);
    expect(overview.requestsByStatus.done).toBeLessThanOrEqual(rows[0].n);
    expect(overview.today.tokenBudget).toBeGreaterThan(0);
    const mirror = (await testFirestore().doc('admin_stats/generation').get()).data()!;
    expect(Date.parse(mirror.computedAt)).toBeGreaterThanOrEqual(Date.parse(overview.computedAt));
  });

  test('in the emulator the queue view reports the Postgres work and queue actions are refused, and audited', async () => {
    const status = await callOrThrow<{ mode: string; unavailable: string; work: { pending: number; rows: unknown[] } }>('adminQueueStatus', {}, viewer);
    expect(status.mode).toBe('emulator');
    expect(status.unavailable).toMatch(/production only/);
    expect(status.work.pending).toEqual(expect.any(Number));
    expect(await callFunction('adminQueueControl', { action: 'purge' }, admin)).toMatchObject({ ok: false, status: 'FAILED_PRECONDITION' });
    const { rows } = await testDb().query(`SELECT outcome, error FROM admin_actions WHERE actor_uid = $1 AND action = 'queue.purge' ORDER BY id DESC LIMIT 1`, [admin.uid]);
    expect(rows[0]).toMatchObject({ outcome: 'error', error: expect.stringMatching(/not available in the emulator/) });
  });

  test('the audit log pages newest first and filters by action, actor email and outcome', async () => {
    type Audit = { actions: Array<{ id: string; action: string; actorEmail: string; outcome: string }>; next?: string };
    const page1 = await callOrThrow<Audit>('adminListAudit', { actor: 'admin@example.com', limit: 2 }, viewer);
    expect(page1.actions).toHaveLength(2);
    expect(Number(page1.actions[0]!.id)).toBeGreaterThan(Number(page1.actions[1]!.id));
    expect(page1.actions.every((a) => a.actorEmail === 'admin@example.com')).toBe(true);
    const page2 = await callOrThrow<Audit>('adminListAudit', { actor: 'admin@example.com', limit: 2, before: page1.next }, viewer);
    expect(Number(page2.actions[0]!.id)).toBeLessThan(Number(page1.actions[1]!.id));
    const errors = await callOrThrow<Audit>('adminListAudit', { outcome: 'error', action: 'queue.purge' }, viewer);
    expect(errors.actions.length).toBeGreaterThan(0);
    expect(errors.actions.every((a) => a.action === 'queue.purge' && a.outcome === 'error')).toBe(true);
  });
});
