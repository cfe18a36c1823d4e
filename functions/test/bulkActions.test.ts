// Attack 10 (issue 15): a bulk action on a filter must act on what the admin read and confirmed.
// The admin is played through the Firebase JS SDK (the console's client), signed in to the emulator.
import { randomBytes } from 'node:crypto';
import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from 'firebase/auth';
import { connectFunctionsEmulator, getFunctions, httpsCallable, type Functions } from 'firebase/functions';
import { callOrThrow, signUp } from './support/client';
import { uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testStack } from './support/stack';

let app: FirebaseApp;
let functions: Functions;
beforeAll(async () => {
  const { projectId, region, urls } = testStack();
  app = initializeApp({ projectId, apiKey: 'demo-api-key' }, `bulk-admin-${Date.now()}`);
  const auth = getAuth(app);
  connectAuthEmulator(auth, urls.auth, { disableWarnings: true });
  functions = getFunctions(app, region);
  const origin = new URL(urls.functions);
  connectFunctionsEmulator(functions, origin.hostname, Number(origin.port));
  await signInWithEmailAndPassword(auth, 'admin@example.com', 'admin-password');
});
afterAll(async () => {
  await deleteApp(app);
  await closeTestClients();
});

async function call<T>(name: string, data: unknown): Promise<{ data?: T; code?: string; message?: string; details?: unknown }> {
  try {
    return { data: (await httpsCallable<unknown, T>(functions, name)(data)).data };
  } catch (error) {
    const { code, message, details } = error as { code: string; message: string; details?: unknown };
    return { code, message, details };
  }
}

type Bulk = { matched: number; changed: number; skipped: number; errors: number };

test('a count that moved between reading and confirming refuses the action with failed-precondition; the current count goes through', async () => {
  const player = await signUp();
  const theme = `bulk ${randomBytes(4).toString('hex')}`;
  const filter = { pool: theme.replace(' ', '-') };
  const ask = async (targetCount: number) => {
    const accepted = await callOrThrow<{ requestKey: string }>('requestGeneration', { pool: uniquePool({ theme }), targetCount }, player);
    await waitForStatus(accepted.requestKey, ['done', 'failed']);
  };
  await ask(3);
  await ask(4);

  // The admin reads the count the console shows beside the bulk buttons...
  const listed = await call<{ total: number }>('adminListRequests', { filter });
  expect(listed.data?.total).toBe(2);
  // ...a third request arrives before the admin confirms...
  await ask(5);
  // ...so the confirmed count is stale: refused, nothing done.
  for (const name of ['adminCancelRequests', 'adminRetryRequests']) {
    const stale = await call<Bulk>(name, { filter, expectedCount: 2 });
    expect(stale).toMatchObject({ code: 'functions/failed-precondition', details: { expectedCount: 2, matched: 3 } });
    expect(stale.message).toMatch(/matches 3 requests now, not the 2 you confirmed/);
  }
  const audit = await call<{ actions: Array<{ action: string; outcome: string }> }>('adminListAudit', { limit: 2 });
  expect(audit.data?.actions.map((a) => a.outcome)).toEqual(['error', 'error']);

  // A filter action without the count the admin confirmed is refused too.
  expect(await call<Bulk>('adminCancelRequests', { filter })).toMatchObject({ code: 'functions/invalid-argument' });
  // Fewer than confirmed (a row left the filter) is a move as well.
  expect(await call<Bulk>('adminCancelRequests', { filter, expectedCount: 4 })).toMatchObject({ code: 'functions/failed-precondition' });

  // Re-read, re-confirm: the action runs on the three (done, so skipped by cancel).
  expect((await call<{ total: number }>('adminListRequests', { filter })).data?.total).toBe(3);
  expect((await call<Bulk>('adminCancelRequests', { filter, expectedCount: 3 })).data).toEqual({ matched: 3, changed: 0, skipped: 3, errors: 0 });
});
