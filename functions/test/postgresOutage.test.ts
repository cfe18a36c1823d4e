import { callFunction, callOrThrow, signUp, type SignedIn } from './support/client';
import { uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testDb, testStack } from './support/stack';

type Accepted = { requestKey: string; poolKey: string; status: string; created: boolean };

let player: SignedIn;
beforeAll(async () => {
  player = await signUp();
});
afterAll(closeTestClients);

async function postgres(action: 'pause' | 'resume') {
  const response = await fetch(`${testStack().controlUrl}/postgres/${action}`, { method: 'POST' });
  if (response.status !== 204) throw new Error(`postgres ${action} failed: ${await response.text()}`);
}

test('with Postgres down the callable answers unavailable; after restart nothing accepted is lost', async () => {
  // Accepted just before the outage: its task will meet a dead database.
  const before = await callOrThrow<Accepted>('requestGeneration', { pool: uniquePool(), targetCount: 4 }, player);
  await postgres('pause');
  try {
    const during = { pool: uniquePool(), targetCount: 4 };
    const refused = await callFunction('requestGeneration', during, player);
    expect(refused).toMatchObject({ ok: false, status: 'UNAVAILABLE' });
    // The caller retries later, as the code tells it to.
    await postgres('resume');
    const retried = await callOrThrow<Accepted>('requestGeneration', during, player);
    expect(retried.created).toBe(true);
    expect((await waitForStatus(retried.requestKey, ['done'])).status).toBe('done');
  } finally {
    await postgres('resume').catch(() => undefined);
  }
  // Cloud Tasks retries the task that failed during the outage; the request completes.
  expect((await waitForStatus(before.requestKey, ['done'], 120_000)).status).toBe('done');
  const rows = await testDb().query('SELECT status FROM generation_requests WHERE request_key = $1', [before.requestKey]);
  expect(rows.rows[0].status).toBe('done');
}, 180_000);
