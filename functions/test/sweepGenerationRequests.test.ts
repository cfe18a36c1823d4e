import { generationRequestSchema, poolKeyOf, requestKeyOf } from '../src/questions/poolParams';
import { triggerScheduled } from './support/client';
import { uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testDb, testFirestore } from './support/stack';
import { sweepGenerationRequests } from '../src/generation/sweepGenerationRequests';
import type { GenerationTaskQueue } from '../src/generation/taskQueue';

afterAll(closeTestClients);

/** A row as a crashed or forgotten run leaves it; no task is queued for it. */
async function orphan(state: { status: 'pending' | 'running'; attempts: number; leaseSecondsFromNow?: number; enqueuedSecondsAgo?: number | null }) {
  const request = generationRequestSchema.parse({ pool: uniquePool({ theme: 'continents' }), targetCount: 4 });
  const requestKey = requestKeyOf(request);
  await testDb().query(
    `INSERT INTO generation_requests (request_key, pool_key, params, target_count, status, attempts, max_attempts, lease_expires_at, requested_by, enqueue_count, enqueued_at)
     VALUES ($1, $2, $3, 4, $4, $5, 3,
             CASE WHEN $6::int IS NULL THEN NULL ELSE now() + make_interval(secs => $6::int) END, 'sweeper-test', 1,
             CASE WHEN $7::int IS NULL THEN NULL ELSE now() - make_interval(secs => $7::int) END)`,
    [requestKey, poolKeyOf(request.pool), JSON.stringify(request.pool), state.status, state.attempts, state.leaseSecondsFromNow ?? null, state.enqueuedSecondsAgo === undefined ? 3600 : state.enqueuedSecondsAgo],
  );
  return requestKey;
}

async function row(requestKey: string) {
  return (await testDb().query('SELECT * FROM generation_requests WHERE request_key = $1', [requestKey])).rows[0];
}

describe('sweepGenerationRequests (scheduled)', () => {
  test('rescues a running row past its lease and a pending row nobody queued; leaves live work alone', async () => {
    const expired = await orphan({ status: 'running', attempts: 1, leaseSecondsFromNow: -60 });
    const lost = await orphan({ status: 'pending', attempts: 0, enqueuedSecondsAgo: null });
    const live = await orphan({ status: 'running', attempts: 1, leaseSecondsFromNow: 240, enqueuedSecondsAgo: 10 });
    const justQueued = await orphan({ status: 'pending', attempts: 0, enqueuedSecondsAgo: 5 });

    expect(await triggerScheduled('sweepGenerationRequests')).toBeLessThan(300);

    expect((await waitForStatus(expired, ['done'])).status).toBe('done');
    expect((await waitForStatus(lost, ['done'])).status).toBe('done');
    expect(await row(expired)).toMatchObject({ status: 'done', attempts: 2, enqueue_count: 2 });
    expect(await row(lost)).toMatchObject({ status: 'done', attempts: 1, enqueue_count: 2 });
    expect(await row(live)).toMatchObject({ status: 'running', enqueue_count: 1 });
    expect(await row(justQueued)).toMatchObject({ status: 'pending', enqueue_count: 1 });
    // Scoped to this test's rows: other files' rows may be between a lease expiry and their
    // Cloud Tasks retry, which is not the sweeper's business yet.
    const stuck = await testDb().query(
      `SELECT count(*)::int AS n FROM generation_requests WHERE request_key = ANY($1) AND status = 'running' AND lease_expires_at < now()`,
      [[expired, lost, live, justQueued]],
    );
    expect(stuck.rows[0].n).toBe(0);
    // Clean up the one we left running on purpose.
    await testDb().query(`UPDATE generation_requests SET status = 'done', lease_expires_at = NULL WHERE request_key IN ($1, $2)`, [live, justQueued]);
  });

  test('fails a row whose attempts are spent instead of leaving it running forever', async () => {
    const exhausted = await orphan({ status: 'running', attempts: 3, leaseSecondsFromNow: -1 });
    expect(await triggerScheduled('sweepGenerationRequests')).toBeLessThan(300);
    const final = await waitForStatus(exhausted, ['failed']);
    expect(final).toMatchObject({ errorCode: 'attempts-exhausted', error: 'Generation failed after several attempts.' });
    expect(await row(exhausted)).toMatchObject({ status: 'failed', lease_expires_at: null, last_error: expect.stringMatching(/attempts exhausted/) });
  });

  test('a pending row only waiting in the backlog gets no second task; a lapsed deferral and a lost enqueue do', async () => {
    const backlog = await orphan({ status: 'pending', attempts: 0, enqueuedSecondsAgo: 3600 });
    const deferred = await orphan({ status: 'pending', attempts: 0, enqueuedSecondsAgo: 3600 });
    await testDb().query(`UPDATE generation_requests SET not_before = now() - interval '10 seconds' WHERE request_key = $1`, [deferred]);
    const lost = await orphan({ status: 'pending', attempts: 0, enqueuedSecondsAgo: null });
    // Cloud Tasks as the sweeper sees it: a task id already queued is refused, not queued twice.
    const queued = new Set<string>([`${backlog}-1`, `${deferred}-1`]);
    const offered: string[] = [];
    const queue: GenerationTaskQueue = {
      enqueue: async (requestKey, count) => {
        const id = `${requestKey}-${count}`;
        offered.push(id);
        if (queued.has(id)) return 'already-queued';
        queued.add(id);
        return 'enqueued';
      },
    };
    await sweepGenerationRequests({ db: testDb(), firestore: testFirestore(), queue, leaseSeconds: 300 });
    expect(offered).toEqual(expect.arrayContaining([`${backlog}-1`, `${deferred}-2`, `${lost}-2`]));
    expect(offered).not.toContain(`${backlog}-2`);
    expect(await row(backlog)).toMatchObject({ status: 'pending', enqueue_count: 1 });
    expect(await row(deferred)).toMatchObject({ enqueue_count: 2 });
    expect(await row(lost)).toMatchObject({ enqueue_count: 2 });
    await testDb().query(`UPDATE generation_requests SET status = 'done' WHERE request_key = ANY($1)`, [[backlog, deferred, lost]]);
  });
});
