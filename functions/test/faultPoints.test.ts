import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from 'firebase/auth';
import { connectFirestoreEmulator, doc, getDoc, getFirestore } from 'firebase/firestore';
import { acceptGenerationRequest, type AcceptDeps } from '../src/generation/acceptGenerationRequest';
import { runGenerationTask, type RunDeps } from '../src/generation/runGenerationTask';
import { firebaseGenerationTaskQueue, type GenerationTaskQueue } from '../src/generation/taskQueue';
import { writePoolQuestions } from '../src/pools/poolStore';
import { poolParamsSchema } from '../src/questions/poolParams';
import { FactsGenerator } from '../src/questions/facts/factsGenerator';
import { crashHere, installFaultHook, InjectedFault, type FaultPointName } from '../src/shared/faultPoints';
import { signUp } from './support/client';
import { statusRequesters, uniquePool } from './support/pools';
import { closeTestClients, testDb, testFirestore, testStack } from './support/stack';

// Named fault points (src/shared/faultPoints.ts): a test fails a dependency or kills the process at
// each one, redelivers the way production does, and checks the invariants of docs/reliability.md.

const apps: FirebaseApp[] = [];
afterEach(() => installFaultHook(undefined));
afterAll(async () => {
  await Promise.all(apps.map((app) => deleteApp(app)));
  await closeTestClients();
});

/** The mobile app: the Firebase client SDK signed in against the emulators. */
async function clientAs(email: string) {
  const app = initializeApp({ projectId: testStack().projectId, apiKey: 'demo-api-key' }, `faults-${apps.length}`);
  apps.push(app);
  const auth = getAuth(app);
  connectAuthEmulator(auth, testStack().urls.auth, { disableWarnings: true });
  const db = getFirestore(app);
  const [host, port] = testStack().env.FIRESTORE_EMULATOR_HOST!.split(':');
  connectFirestoreEmulator(db, host!, Number(port));
  await signInWithEmailAndPassword(auth, email, 'password-123');
  return db;
}

async function player() {
  const email = `faults-${Math.random().toString(36).slice(2)}@example.com`;
  const signedIn = await signUp(email);
  return { uid: signedIn.uid, client: await clientAs(email) };
}

function acceptDeps(): AcceptDeps {
  return {
    db: testDb(),
    firestore: testFirestore(),
    queue: firebaseGenerationTaskQueue('generateQuestionPool', testStack().region),
    generators: [new FactsGenerator()],
    maxAttempts: 3,
    failedCooldownSeconds: 3600,
    quotas: { userDailyRequests: 1000, userDailyTokens: 1e9, globalDailyTokens: 1e12 },
  };
}

/** Fails the dependency call after `point`, once. */
function failOnceAt(point: FaultPointName) {
  let fired = 0;
  installFaultHook((reached) => {
    if (reached === point && fired++ === 0) throw new InjectedFault(reached);
  });
  return () => fired;
}

async function readStatusAs(client: Awaited<ReturnType<typeof player>>['client'], requestKey: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      const snapshot = await getDoc(doc(client, 'generation_status', requestKey));
      return { ok: true as const, status: snapshot.data()?.status as string | undefined };
    } catch (error) {
      const code = (error as { code?: string }).code;
      // A client SDK's first connection on a loaded machine may time out ("offline"): not an answer.
      if (code === 'unavailable' && attempt < 5) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        continue;
      }
      return { ok: false as const, code };
    }
  }
}

describe('accept: Firestore fails after the Postgres commit', () => {
  test('the creator retries: the requester and status documents are written and the listener may read', async () => {
    const me = await player();
    const input = { pool: uniquePool(), targetCount: 3 };
    const fired = failOnceAt('accept.afterUpsert');
    await expect(acceptGenerationRequest(acceptDeps(), me.uid, input)).rejects.toBeInstanceOf(InjectedFault);
    expect(fired()).toBe(1);
    const { rows } = await testDb().query('SELECT r.request_key, q.mirrored FROM generation_requests r JOIN generation_requesters q USING (request_key) WHERE q.uid = $1', [me.uid]);
    expect(rows).toEqual([{ request_key: expect.any(String), mirrored: false }]);
    const requestKey = rows[0].request_key as string;
    // Nothing for a listener to see, ever, unless the retry repairs it.
    expect((await testFirestore().collection('generation_status').doc(requestKey).get()).exists).toBe(false);
    expect(await statusRequesters(requestKey)).toEqual([]);

    // The client's retry: same request, same user.
    await expect(acceptGenerationRequest(acceptDeps(), me.uid, input)).resolves.toMatchObject({ requestKey, created: false });
    const seen = await readStatusAs(me.client, requestKey);
    expect(seen.ok && ['pending', 'running', 'done'].includes(seen.status!)).toBe(true);
    expect(await statusRequesters(requestKey)).toEqual([me.uid]);
    expect((await testDb().query('SELECT mirrored FROM generation_requesters WHERE request_key = $1 AND uid = $2', [requestKey, me.uid])).rows[0].mirrored).toBe(true);
  });

  test('a joining requester retries: its requester document is written', async () => {
    const [creator, joiner] = [await player(), await player()];
    const input = { pool: uniquePool(), targetCount: 3 };
    const { requestKey } = await acceptGenerationRequest(acceptDeps(), creator.uid, input);
    failOnceAt('accept.afterUpsert');
    await expect(acceptGenerationRequest(acceptDeps(), joiner.uid, input)).rejects.toBeInstanceOf(InjectedFault);
    expect(await readStatusAs(joiner.client, requestKey)).toEqual({ ok: false, code: 'permission-denied' });
    await expect(acceptGenerationRequest(acceptDeps(), joiner.uid, input)).resolves.toMatchObject({ requestKey, created: false });
    expect((await readStatusAs(joiner.client, requestKey)).ok).toBe(true);
    expect((await statusRequesters(requestKey)).sort()).toEqual([creator.uid, joiner.uid].sort());
  });
});

/** Cloud Tasks as seen from the test: it records what was queued; the test delivers. */
function recordingQueue(): GenerationTaskQueue & { queued: string[] } {
  const queued: string[] = [];
  return { queued, enqueue: async (requestKey, count) => { queued.push(`${requestKey}-${count}`); return 'enqueued'; } };
}

function runDeps(): RunDeps {
  return { db: testDb(), firestore: testFirestore(), generators: [new FactsGenerator()], leaseSeconds: 60, globalDailyTokenBudget: 1e12 };
}

async function statusDoc(requestKey: string) {
  return (await testFirestore().collection('generation_status').doc(requestKey).get()).data();
}

async function pgStatus(requestKey: string) {
  return (await testDb().query('SELECT status FROM generation_requests WHERE request_key = $1', [requestKey])).rows[0]?.status;
}

describe('generation: between "done" in Postgres and its mirror', () => {
  test.each([
    ['the process dies', 'crash'],
    ['Firestore fails', 'throw'],
  ])('%s: the redelivery finds the row done and writes the mirror', async (_label, mode) => {
    const me = await player();
    const queue = recordingQueue();
    const { requestKey } = await acceptGenerationRequest({ ...acceptDeps(), queue, maxAttempts: 1 }, me.uid, { pool: uniquePool(), targetCount: 3 });
    installFaultHook((point) => {
      if (point !== 'generation.afterComplete') return;
      if (mode === 'crash') return crashHere();
      throw new InjectedFault(point);
    });
    const first = runGenerationTask(runDeps(), requestKey);
    if (mode === 'throw') await expect(first).rejects.toThrow(/status mirror failed/);
    else await new Promise((resolve) => setTimeout(resolve, 2_000)); // the process is gone; its promise never settles
    installFaultHook(undefined);
    expect(await pgStatus(requestKey)).toBe('done');
    expect((await statusDoc(requestKey))?.status).not.toBe('done');

    // Cloud Tasks redelivers (the task was never acknowledged).
    await expect(runGenerationTask(runDeps(), requestKey)).resolves.toMatchObject({ outcome: 'skipped' });
    expect(await statusDoc(requestKey)).toMatchObject({ status: 'done', generated: 3 });
    expect((await readStatusAs(me.client, requestKey))).toEqual({ ok: true, status: 'done' });
  });
});

describe('poolStore', () => {
  test('a pool write that exhausts its retries fails the call, never as an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => { unhandled.push(reason); };
    process.on('unhandledRejection', onUnhandled);
    try {
      const params = poolParamsSchema.parse(uniquePool());
      // Over Firestore's 1 MiB document limit: refused on every attempt.
      const huge = { id: 'huge-question', prompt: 'p', choices: ['a', 'b', 'c', 'd'], answerIndex: 0, explanation: 'x'.repeat(1_100_000), difficulty: 'easy', source: 'test', model: 'none' };
      await expect(writePoolQuestions(testFirestore(), { poolKey: `faults-${Date.now()}`, params, requestKey: 'r', generatedAt: new Date().toISOString(), questions: [huge as never] }))
        .rejects.toThrow(/1 of 1 pool writes failed/);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
