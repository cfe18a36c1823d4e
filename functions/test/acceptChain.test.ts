import { FieldValue } from 'firebase-admin/firestore';
import { acceptGenerationRequest, type AcceptDeps } from '../src/generation/acceptGenerationRequest';
import { GENERATION_STATUS, mirrorRequester, REQUESTERS } from '../src/generation/statusMirror';
import type { GenerationTaskQueue } from '../src/generation/taskQueue';
import { FactsGenerator } from '../src/questions/facts/factsGenerator';
import { uniquePool } from './support/pools';
import { closeTestClients, testDb, testFirestore } from './support/stack';

// The accept chain's failure semantics once the Firestore write and the enqueue run side by side:
// real Postgres and Firestore emulator; the queue is the one external dependency played here.

afterAll(closeTestClients);

/** Cloud Tasks that is down until `up` is set, counting what reached it. */
function flakyQueue(): GenerationTaskQueue & { up: boolean; calls: Array<[string, number]> } {
  const queue = {
    up: false,
    calls: [] as Array<[string, number]>,
    async enqueue(requestKey: string, enqueueCount: number) {
      queue.calls.push([requestKey, enqueueCount]);
      if (!queue.up) throw new Error('injected: Cloud Tasks unreachable');
      return 'enqueued' as const;
    },
  };
  return queue;
}

function deps(queue: GenerationTaskQueue): AcceptDeps {
  return {
    db: testDb(),
    firestore: testFirestore(),
    queue,
    generators: [new FactsGenerator()],
    maxAttempts: 5,
    quotas: { userDailyRequests: 1000, userDailyTokens: 1e12, globalDailyTokens: 1e15 },
    failedCooldownSeconds: 3600,
  };
}

const uid = () => `chain-${Math.random().toString(36).slice(2)}`;

describe('accept chain', () => {
  test('an enqueue that fails beside the Firestore write: the call fails, the requester can read, and the retry queues the work once', async () => {
    const queue = flakyQueue();
    const user = uid();
    const request = { pool: uniquePool(), targetCount: 3 };
    await expect(acceptGenerationRequest(deps(queue), user, request)).rejects.toMatchObject({ name: 'UnavailableError' });
    const key = queue.calls[0]![0];
    const row = (await testDb().query('SELECT status, enqueue_count, enqueued_at FROM generation_requests WHERE request_key = $1', [key])).rows[0];
    expect(row).toMatchObject({ status: 'pending', enqueue_count: 1, enqueued_at: null });
    // The side-by-side write finished before the call answered.
    const status = testFirestore().collection(GENERATION_STATUS).doc(key);
    expect((await status.get()).data()).toMatchObject({ status: 'pending', requestKey: key });
    expect((await status.collection(REQUESTERS).doc(user).get()).exists).toBe(true);

    queue.up = true;
    await expect(acceptGenerationRequest(deps(queue), user, request)).resolves.toMatchObject({ requestKey: key, status: 'pending', created: false });
    expect(queue.calls).toEqual([[key, 1], [key, 2]]);
    // Queued now: a further duplicate is the single statement again and enqueues nothing.
    await acceptGenerationRequest(deps(queue), user, request);
    expect(queue.calls).toHaveLength(2);
    const after = (await testDb().query('SELECT count(*)::int AS n FROM generation_requests WHERE request_key = $1', [key])).rows[0];
    expect(after.n).toBe(1);
  });

  test('the generator writing its status before the creator\'s "pending" lands: the status never runs backwards', async () => {
    const firestore = testFirestore();
    const key = `chain-race-${Math.random().toString(36).slice(2)}`;
    const user = uid();
    await firestore.collection(GENERATION_STATUS).doc(key).set({ status: 'running', generated: 2, updatedAt: FieldValue.serverTimestamp() }, { merge: true });
    await mirrorRequester(firestore, { requestKey: key, poolKey: 'pool-x', targetCount: 5, uid: user, created: true });
    const doc = firestore.collection(GENERATION_STATUS).doc(key);
    expect((await doc.get()).data()).toMatchObject({ status: 'running', generated: 2, requestKey: key, poolKey: 'pool-x', target: 5 });
    expect((await doc.collection(REQUESTERS).doc(user).get()).exists).toBe(true);
  });

  test('a first "pending" is created with the requester in one batch', async () => {
    const firestore = testFirestore();
    const key = `chain-new-${Math.random().toString(36).slice(2)}`;
    const user = uid();
    await mirrorRequester(firestore, { requestKey: key, poolKey: 'pool-y', targetCount: 4, uid: user, created: true });
    const doc = firestore.collection(GENERATION_STATUS).doc(key);
    expect((await doc.get()).data()).toMatchObject({ status: 'pending', generated: 0, requestKey: key, target: 4 });
    expect((await doc.collection(REQUESTERS).doc(user).get()).exists).toBe(true);
  });
});

describe('the duplicate accept on a warm instance', () => {
  test('an input prepared once is still held to the schema: a changed field or an extra key is refused', async () => {
    const queue = flakyQueue();
    queue.up = true;
    const user = uid();
    const request = { pool: uniquePool(), targetCount: 3 };
    await acceptGenerationRequest(deps(queue), user, request);
    await expect(acceptGenerationRequest(deps(queue), user, { ...request, extra: 1 })).rejects.toMatchObject({ name: 'InvalidInputError' });
    await expect(acceptGenerationRequest(deps(queue), user, { ...request, targetCount: 501 })).rejects.toMatchObject({ name: 'InvalidInputError' });
    await expect(acceptGenerationRequest(deps(queue), user, { ...request, pool: { ...request.pool, lang: 'xx' } })).rejects.toMatchObject({ name: 'InvalidInputError' });
    await expect(acceptGenerationRequest(deps(queue), user, request)).resolves.toMatchObject({ created: false });
  });

  test('a known requester whose request was purged meets the full statement again: the work is created anew', async () => {
    const queue = flakyQueue();
    queue.up = true;
    const user = uid();
    const request = { pool: uniquePool(), targetCount: 3 };
    const first = await acceptGenerationRequest(deps(queue), user, request);
    await acceptGenerationRequest(deps(queue), user, request);
    await testDb().query('DELETE FROM generation_requests WHERE request_key = $1', [first.requestKey]);
    await expect(acceptGenerationRequest(deps(queue), user, request)).resolves.toMatchObject({ requestKey: first.requestKey, created: true, status: 'pending' });
    expect(queue.calls.map(([, count]) => count)).toEqual([1, 1]);
  });
});
