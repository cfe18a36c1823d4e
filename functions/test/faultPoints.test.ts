import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from 'firebase/auth';
import { connectFirestoreEmulator, doc, getDoc, getFirestore } from 'firebase/firestore';
import { acceptGenerationRequest, type AcceptDeps } from '../src/generation/acceptGenerationRequest';
import { firebaseGenerationTaskQueue } from '../src/generation/taskQueue';
import { FactsGenerator } from '../src/questions/facts/factsGenerator';
import { installFaultHook, InjectedFault, type FaultPointName } from '../src/shared/faultPoints';
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
