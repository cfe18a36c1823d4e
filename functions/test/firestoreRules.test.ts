import fs from 'node:fs';
import path from 'node:path';
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { doc, getDoc, getDocs, collection, setDoc, deleteDoc } from 'firebase/firestore';
import { testStack } from './support/stack';

// The same project and the same rules file the functions run with: loading them again changes
// nothing, and no data is cleared (other test files share this emulator).
let env: RulesTestEnvironment;
const run = `${Date.now()}`;
const pool = `en|gb|medium|geography|world|mcq|v-rules-${run}`;

beforeAll(async () => {
  const [host, port] = testStack().env.FIRESTORE_EMULATOR_HOST!.split(':');
  env = await initializeTestEnvironment({
    projectId: testStack().projectId,
    firestore: { host: host!, port: Number(port), rules: fs.readFileSync(path.join(__dirname, '..', '..', 'firestore.rules'), 'utf8') },
  });
  await env.withSecurityRulesDisabled(async (context) => {
    const db = context.firestore();
    await setDoc(doc(db, 'question_pools', pool), { count: 1 });
    await setDoc(doc(db, 'question_pools', pool, 'items', 'q1'), { prompt: 'p', choices: ['a', 'b'], answerIndex: 0 });
    await setDoc(doc(db, 'generation_status', `mine-${run}`), { status: 'running' });
    await setDoc(doc(db, 'generation_status', `mine-${run}`, 'requesters', 'alice'), { at: 1 });
    await setDoc(doc(db, 'generation_status', `theirs-${run}`), { status: 'running' });
    await setDoc(doc(db, 'generation_status', `theirs-${run}`, 'requesters', 'bob'), { at: 1 });
    await setDoc(doc(db, 'draw_memory', `alice_${run}`), { uid: 'alice', seen: ['q1'] });
    await setDoc(doc(db, 'quotas', `alice-${run}`), { used: 1 });
    await setDoc(doc(db, 'generation_batches', `batch-${run}`), { total: 3 });
    await setDoc(doc(db, 'admin_stats', `rules-${run}`), { requestsByStatus: { done: 1 } });
  });
});
afterAll(async () => {
  await env.cleanup();
});

describe('firestore.rules', () => {
  test('nobody reads or writes pools or their items from a client, signed in or not', async () => {
    for (const db of [env.unauthenticatedContext().firestore(), env.authenticatedContext('alice').firestore(), env.authenticatedContext('root', { admin: true }).firestore()]) {
      await assertFails(getDoc(doc(db, 'question_pools', pool)));
      await assertFails(getDoc(doc(db, 'question_pools', pool, 'items', 'q1')));
      await assertFails(getDocs(collection(db, 'question_pools', pool, 'items')));
      await assertFails(setDoc(doc(db, 'question_pools', pool, 'items', 'q2'), { prompt: 'x' }));
      await assertFails(deleteDoc(doc(db, 'question_pools', pool)));
    }
  });

  test('a user reads the status of their own request only, and writes none', async () => {
    const alice = env.authenticatedContext('alice').firestore();
    await assertSucceeds(getDoc(doc(alice, 'generation_status', `mine-${run}`)));
    await assertFails(getDoc(doc(alice, 'generation_status', `theirs-${run}`)));
    await assertFails(getDocs(collection(alice, 'generation_status')));
    await assertFails(setDoc(doc(alice, 'generation_status', `mine-${run}`), { status: 'done' }));
    // The requester documents are server-only: nobody lists them, nor adds themselves to another's request.
    await assertFails(getDoc(doc(alice, 'generation_status', `mine-${run}`, 'requesters', 'alice')));
    await assertFails(getDocs(collection(alice, 'generation_status', `theirs-${run}`, 'requesters')));
    await assertFails(setDoc(doc(alice, 'generation_status', `theirs-${run}`, 'requesters', 'alice'), { at: 1 }));
    await assertFails(getDoc(doc(env.unauthenticatedContext().firestore(), 'generation_status', `mine-${run}`)));
    // Not created yet: readable (empty), so a listener can attach before the request is made.
    await assertSucceeds(getDoc(doc(alice, 'generation_status', `future-${run}`)));
  });

  test('draw memory and quotas are server-only, even for their owner', async () => {
    const alice = env.authenticatedContext('alice').firestore();
    await assertFails(getDoc(doc(alice, 'draw_memory', `alice_${run}`)));
    await assertFails(setDoc(doc(alice, 'draw_memory', `alice_${run}`), { seen: [] }));
    await assertFails(getDoc(doc(alice, 'quotas', `alice-${run}`)));
    await assertFails(setDoc(doc(alice, 'quotas', `alice-${run}`), { used: 0 }));
  });

  test('only the admin claim reads admin views, and nobody writes them', async () => {
    const admin = env.authenticatedContext('root', { admin: true }).firestore();
    await assertSucceeds(getDoc(doc(admin, 'generation_batches', `batch-${run}`)));
    await assertFails(setDoc(doc(admin, 'generation_batches', `batch-${run}`), { total: 0 }));
    await assertFails(getDoc(doc(env.authenticatedContext('alice').firestore(), 'generation_batches', `batch-${run}`)));
    await assertFails(getDoc(doc(env.authenticatedContext('mallory', { admin: 'yes' }).firestore(), 'generation_batches', `batch-${run}`)));
  });
});

describe('firestore.rules: console roles', () => {
  test('admin and viewer claims read the console views and every request status, and write none of them', async () => {
    for (const db of [env.authenticatedContext('root', { admin: true }).firestore(), env.authenticatedContext('watcher', { viewer: true }).firestore()]) {
      await assertSucceeds(getDoc(doc(db, 'admin_stats', `rules-${run}`)));
      await assertSucceeds(getDoc(doc(db, 'generation_batches', `batch-${run}`)));
      await assertSucceeds(getDoc(doc(db, 'generation_status', `theirs-${run}`)));
      await assertFails(setDoc(doc(db, 'admin_stats', `rules-${run}`), { requestsByStatus: {} }));
      await assertFails(setDoc(doc(db, 'generation_status', `theirs-${run}`), { status: 'done', requesters: ['bob'] }));
      await assertFails(getDoc(doc(db, 'question_pools', pool)));
    }
  });

  test('a player reads no console view', async () => {
    const alice = env.authenticatedContext('alice').firestore();
    await assertFails(getDoc(doc(alice, 'admin_stats', `rules-${run}`)));
    await assertFails(getDoc(doc(env.authenticatedContext('mallory', { viewer: 'yes' }).firestore(), 'admin_stats', `rules-${run}`)));
    await assertFails(getDoc(doc(env.unauthenticatedContext().firestore(), 'admin_stats', `rules-${run}`)));
  });
});

describe('firestore.indexes.json', () => {
  test('exempts the large arrays of draw memory and items from indexing', () => {
    const indexes = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'firestore.indexes.json'), 'utf8'));
    const exempt = indexes.fieldOverrides.filter((o: { indexes: unknown[] }) => o.indexes.length === 0).map((o: { collectionGroup: string; fieldPath: string }) => `${o.collectionGroup}.${o.fieldPath}`);
    expect(exempt).toEqual(expect.arrayContaining(['draw_memory.seen', 'draw_memory.lastDraw', 'items.choices']));
  });
});
