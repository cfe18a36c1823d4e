import { randomBytes } from 'node:crypto';
import { callFunction, callOrThrow, signUp, type SignedIn } from './support/client';
import { injectFaults, modelCalls } from './support/fakeOpenAI';
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('with Postgres down the callable answers unavailable; after restart nothing accepted is lost', async () => {
  // Accepted just before the outage, and held inside its model call (the fake answers after 3 s)
  // while Postgres goes down: its store meets a dead database for certain, never "finished first".
  const theme = `outage ${randomBytes(4).toString('hex')}`;
  await injectFaults(theme, [{ kind: 'delay', ms: 3_000 }]);
  const before = await callOrThrow<Accepted>('requestGeneration', { pool: uniquePool({ subject: 'cinema', theme }), targetCount: 4 }, player);
  const deadline = Date.now() + 30_000;
  while ((await modelCalls(theme)).calls === 0 && Date.now() < deadline) await sleep(50);
  expect((await modelCalls(theme)).calls).toBe(1);
  const callStarted = Date.now();
  await postgres('pause');
  try {
    const during = { pool: uniquePool(), targetCount: 4 };
    const refused = await callFunction('requestGeneration', during, player);
    expect(refused).toMatchObject({ ok: false, status: 'UNAVAILABLE' });
    // Postgres stays down until the model has answered and the store has failed.
    await sleep(Math.max(0, callStarted + 5_000 - Date.now()));
    // The caller retries later, as the code tells it to.
    await postgres('resume');
    const retried = await callOrThrow<Accepted>('requestGeneration', during, player);
    expect(retried.created).toBe(true);
    expect((await waitForStatus(retried.requestKey, ['done'])).status).toBe('done');
  } finally {
    await postgres('resume').catch(() => undefined);
  }
  // The failed attempt let go of its lease once Postgres was back, so Cloud Tasks' retry (≥ 10 s
  // backoff) claims it: well inside the 300 s lease the sweeper would otherwise wait out.
  expect((await waitForStatus(before.requestKey, ['done'], 120_000)).status).toBe('done');
  const rows = await testDb().query('SELECT status, attempts FROM generation_requests WHERE request_key = $1', [before.requestKey]);
  expect(rows.rows[0]).toMatchObject({ status: 'done', attempts: 2 });
  const attempts = await testDb().query('SELECT attempt, outcome, error FROM generation_attempts WHERE request_key = $1 ORDER BY attempt', [before.requestKey]);
  expect(attempts.rows.map((a) => a.outcome)).toEqual(['retry', 'done']);
  expect(attempts.rows[0].error).toMatch(/ECONNREFUSED|connect|terminat|Connection/i);
  // The lost answer was paid for; the retry paid once more.
  expect((await modelCalls(theme)).calls).toBe(2);
}, 180_000);
