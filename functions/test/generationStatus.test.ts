import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from 'firebase/auth';
import { connectFirestoreEmulator, doc, getFirestore, onSnapshot } from 'firebase/firestore';
import { generationRequestSchema, requestKeyOf } from '../src/questions/poolParams';
import { mirrorStatus, STATUS_MIN_INTERVAL_MS } from '../src/generation/statusMirror';
import { callOrThrow, signUp } from './support/client';
import { statusRequesters, uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testFirestore, testStack } from './support/stack';

const apps: FirebaseApp[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => deleteApp(app)));
  await closeTestClients();
});

/** The mobile app: the Firebase client SDK signed in against the emulators. */
async function clientAs(email: string) {
  const app = initializeApp({ projectId: testStack().projectId, apiKey: 'demo-api-key' }, `client-${apps.length}`);
  apps.push(app);
  const auth = getAuth(app);
  connectAuthEmulator(auth, testStack().urls.auth, { disableWarnings: true });
  const db = getFirestore(app);
  const [host, port] = testStack().env.FIRESTORE_EMULATOR_HOST!.split(':');
  connectFirestoreEmulator(db, host!, Number(port));
  await signInWithEmailAndPassword(auth, email, 'password-123');
  return db;
}

describe('generation_status', () => {
  test('a requester sees pending → running → done through a client SDK listener, with counts', async () => {
    const email = `listener-${Date.now()}@example.com`;
    const player = await signUp(email);
    const db = await clientAs(email);
    const request = { pool: uniquePool({ lang: 'es', theme: 'mundo' }), targetCount: 12 };
    // The app listens before it asks, so no transition can slip by.
    const requestKey = requestKeyOf(generationRequestSchema.parse(request));
    let listening!: () => void;
    const attached = new Promise<void>((resolve) => { listening = resolve; });
    const seen: string[] = [];
    const done = new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stuck at ${seen.join(' → ')}`)), 60_000);
      const unsubscribe = onSnapshot(doc(db, 'generation_status', requestKey), (snapshot) => {
        listening();
        const data = snapshot.data();
        if (!data) return;
        if (seen.at(-1) !== data.status) seen.push(data.status);
        if (data.status === 'done' || data.status === 'failed') {
          clearTimeout(timer);
          unsubscribe();
          resolve(data);
        }
      }, (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    await attached;
    const accepted = await callOrThrow<{ requestKey: string }>('requestGeneration', request, player);
    expect(accepted.requestKey).toBe(requestKey);
    const final = await done;
    expect(seen).toEqual(['pending', 'running', 'done']);
    expect(final).toMatchObject({ status: 'done', generated: 12, target: 12, poolSize: 12, error: null });
    expect(final).not.toHaveProperty('requesters');
    expect(await statusRequesters(requestKey)).toEqual([player.uid]);
  });

  test('another signed-in user cannot listen to someone else\'s request', async () => {
    const owner = await signUp();
    const accepted = await callOrThrow<{ requestKey: string }>('requestGeneration', { pool: uniquePool(), targetCount: 3 }, owner);
    const email = `intruder-${Date.now()}@example.com`;
    await signUp(email);
    const db = await clientAs(email);
    const error = await new Promise<{ code?: string }>((resolve) => {
      const unsubscribe = onSnapshot(doc(db, 'generation_status', accepted.requestKey), () => { unsubscribe(); resolve({ code: 'no-error' }); }, resolve);
    });
    expect(error.code).toBe('permission-denied');
  });

  test('a player joining an existing request may read its status, and the join does not write the status document', async () => {
    const owner = await signUp();
    const request = { pool: uniquePool(), targetCount: 3 };
    const accepted = await callOrThrow<{ requestKey: string }>('requestGeneration', request, owner);
    await waitForStatus(accepted.requestKey, ['done']);
    const ref = testFirestore().collection('generation_status').doc(accepted.requestKey);
    const before = await ref.get();
    const email = `joiner-${Date.now()}@example.com`;
    const joiner = await signUp(email);
    const db = await clientAs(email);
    const read = () => new Promise<{ code?: string; status?: string }>((resolve) => {
      const unsubscribe = onSnapshot(doc(db, 'generation_status', accepted.requestKey), (snapshot) => { unsubscribe(); resolve({ status: snapshot.data()?.status }); }, resolve);
    });
    expect((await read()).code).toBe('permission-denied');
    await expect(callOrThrow('requestGeneration', request, joiner)).resolves.toMatchObject({ created: false, status: 'done' });
    expect(await read()).toEqual({ status: 'done' });
    const after = await ref.get();
    expect(after.updateTime!.isEqual(before.updateTime!)).toBe(true);
    expect(new Set(await statusRequesters(accepted.requestKey))).toEqual(new Set([owner.uid, joiner.uid]));
  });

  test('updates arriving faster than once a second are merged into one write, the last one kept', async () => {
    const requestKey = `throttle-${Date.now()}`;
    const ref = testFirestore().collection('generation_status').doc(requestKey);
    const writes: Array<{ at: number; data: FirebaseFirestore.DocumentData }> = [];
    const unsubscribe = ref.onSnapshot((snapshot) => {
      if (snapshot.exists) writes.push({ at: snapshot.updateTime!.toMillis(), data: snapshot.data()! });
    });
    await Promise.all([
      mirrorStatus(testFirestore(), requestKey, { status: 'running', generated: 0 }),
      mirrorStatus(testFirestore(), requestKey, { status: 'running', generated: 5 }),
      mirrorStatus(testFirestore(), requestKey, { status: 'running', generated: 9 }),
      mirrorStatus(testFirestore(), requestKey, { status: 'done', generated: 12, poolSize: 12 }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    unsubscribe();
    expect(writes).toHaveLength(2);
    expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(STATUS_MIN_INTERVAL_MS - 50);
    expect(writes[0]!.data).toMatchObject({ status: 'running', generated: 0 });
    expect(writes[1]!.data).toMatchObject({ status: 'done', generated: 12, poolSize: 12 });
  });
});
