import { Pool } from 'pg';
import { countFirestoreRoundTrips, RoundTripCountingClient } from '../src/shared/instrumentedClients';
import { startOperation, traceRoundTrips, type RoundTripReport } from '../src/shared/roundTrips';
import { callCountingRoundTrips, callFunction, callOrThrow, signUp, type RoundTrips, type SignedIn } from './support/client';
import { uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testFirestore, testStack } from './support/stack';

type Accepted = { requestKey: string; poolKey: string; status: string; created: boolean };

let players: SignedIn[];
let db: Pool;
beforeAll(async () => {
  players = await Promise.all([signUp(), signUp()]);
  db = new Pool({ connectionString: testStack().databaseUrl, max: 4, idleTimeoutMillis: 0, Client: RoundTripCountingClient });
});
afterAll(async () => {
  await db.end();
  await closeTestClients();
});

async function traced(work: () => Promise<unknown>): Promise<RoundTripReport> {
  let report: RoundTripReport | undefined;
  await traceRoundTrips(work, (r) => { report = r; });
  return report!;
}

const chain = (trips: RoundTrips | RoundTripReport) => trips.operations.map((op) => `${op.depth}:${op.dependency}`).sort();

describe('round-trip counting (the real clients)', () => {
  test('operations started together share a depth; one started after another returned is one deeper', async () => {
    const firestore = testFirestore();
    countFirestoreRoundTrips(firestore);
    // Warm connections: a cold pool connects before its first statement starts, which would let the
    // Firestore read finish first and put the statement one level deeper than it is.
    await Promise.all([db.query('SELECT 0'), firestore.collection('round_trip_probe').doc('a').get()]);
    const report = await traced(async () => {
      await Promise.all([db.query('SELECT 1'), firestore.collection('round_trip_probe').doc('a').get()]);
      await db.query('SELECT 2');
      await Promise.all([db.query('SELECT 3'), firestore.collection('round_trip_probe').doc('b').set({ at: 1 })]);
    });
    expect(chain(report)).toEqual(['1:firestore', '1:postgres', '2:postgres', '3:firestore', '3:postgres']);
    expect(report).toMatchObject({ criticalPath: 3, total: 5, byDependency: { postgres: 3, firestore: 2 } });
  });

  test('a Postgres transaction is a round trip per statement; a Firestore transaction per read and commit', async () => {
    const firestore = testFirestore();
    const report = await traced(async () => {
      const client = await db.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT 1');
        await client.query('COMMIT');
      } finally {
        client.release();
      }
      await firestore.runTransaction(async (tx) => {
        await tx.get(firestore.collection('round_trip_probe').doc('c'));
        tx.set(firestore.collection('round_trip_probe').doc('c'), { at: 2 });
      });
    });
    expect(report.operations.map((op) => `${op.depth}:${op.operation.split(' ')[0]}`)).toEqual([
      '1:BEGIN', '2:SELECT', '3:COMMIT', '4:batchGetDocuments', '5:commit',
    ]);
  });

  test('nothing is counted outside a traced invocation', async () => {
    expect(startOperation('postgres', 'SELECT 1')).toBeUndefined();
    await expect(db.query('SELECT 1')).resolves.toMatchObject({ rowCount: 1 });
  });
});

describe('requestGeneration round trips (emulated function, counted in its process)', () => {
  test('a new request: one Postgres statement, then the Firestore batch and the enqueue side by side', async () => {
    const { outcome, roundTrips } = await callCountingRoundTrips<Accepted>('requestGeneration', { pool: uniquePool(), targetCount: 3 }, players[0]);
    expect(outcome).toMatchObject({ ok: true, result: { created: true } });
    // Once Firestore confirmed the requester, Postgres marks it (3:postgres): a retry after a
    // failed write repairs it (issue 16), a later duplicate skips it.
    expect(roundTrips.byDependency).toEqual({ postgres: 2, firestore: 1, tasks: 1 });
    expect(chain(roundTrips)).toEqual(['1:postgres', '2:firestore', '2:tasks', '3:postgres']);
    expect(roundTrips.criticalPath).toBe(3);
  });

  test('a join by a new requester: the statement, then the requester document; a duplicate from a known requester: one Postgres round trip', async () => {
    const request = { pool: uniquePool(), targetCount: 3 };
    await callCountingRoundTrips('requestGeneration', request, players[0]);
    const join = await callCountingRoundTrips<Accepted>('requestGeneration', request, players[1]);
    expect(join.outcome).toMatchObject({ ok: true, result: { created: false } });
    expect(chain(join.roundTrips)).toEqual(['1:postgres', '2:firestore', '3:postgres']);
    const duplicate = await callCountingRoundTrips<Accepted>('requestGeneration', request, players[1]);
    expect(duplicate.outcome).toMatchObject({ ok: true, result: { created: false } });
    expect(duplicate.roundTrips).toMatchObject({ criticalPath: 1, total: 1, byDependency: { postgres: 1 } });
  });

  test('a rejected call reports what it did (nothing), and a caller that does not ask gets no report', async () => {
    const rejected = await callCountingRoundTrips('requestGeneration', { pool: { lang: 'xx' }, targetCount: 3 }, players[0]);
    expect(rejected.outcome).toMatchObject({ ok: false, status: 'INVALID_ARGUMENT' });
    expect(rejected.roundTrips).toMatchObject({ criticalPath: 0, total: 0 });
    const response = await fetch(`${testStack().urls.functions}/requestGeneration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${players[0]!.idToken}` },
      body: JSON.stringify({ data: { pool: uniquePool(), targetCount: 3 } }),
    });
    await response.json();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-qf-round-trips')).toBeNull();
    expect((await callFunction('requestGeneration', { pool: uniquePool(), targetCount: 3 }, players[0])).ok).toBe(true);
  });
});

describe('drawQuestions round trips (emulated function, counted in its process)', () => {
  test('a warm draw: the rate token beside the seen-memory read, then the memory commit — two deep', async () => {
    const pool = uniquePool();
    const accepted = await callOrThrow<Accepted>('requestGeneration', { pool, targetCount: 12 }, players[0]);
    expect((await waitForStatus(accepted.requestKey, ['done'])).status).toBe('done');
    // Warms the instance: its pool cache and the player's account-age lookup.
    await callOrThrow('drawQuestions', { pool, count: 3 }, players[1]);
    const { outcome, roundTrips } = await callCountingRoundTrips<{ questions: unknown[] }>('drawQuestions', { pool, count: 3 }, players[1]);
    expect(outcome).toMatchObject({ ok: true });
    expect(chain(roundTrips)).toEqual(['1:firestore', '1:postgres', '2:firestore']);
    expect(roundTrips.operations.map((op) => op.operation.split(' ')[0])).toEqual(expect.arrayContaining(['rate-bucket-take', 'batchGetDocuments', 'commit']));
    expect(roundTrips.criticalPath).toBe(2);
  });
});
