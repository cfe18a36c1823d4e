import { randomBytes } from 'node:crypto';
import type { QuestionFactoryClient } from '../client';
import { appClient, closeAppClients } from './support/appClient';
import { callOrThrow, signIn, signUp } from './support/client';
import { injectFaults, modelCalls } from './support/fakeOpenAI';
import { uniquePool, waitForAttemptRows, waitForStatus } from './support/pools';
import { closeTestClients, testDb } from './support/stack';

// Issue 15 §3 through the app's Firebase JS SDK client and the admin callables on the emulators:
// failed model calls are charged, a rerun is new work, an admin's cancel is final for users. The
// test stack's FAILED_COOLDOWN_SECONDS is 2.

jest.setTimeout(300_000);

afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

async function freshAccount(): Promise<{ client: QuestionFactoryClient; uid: string }> {
  const email = `rerun-${Date.now()}-${randomBytes(3).toString('hex')}@example.com`;
  await signUp(email);
  return appClient(email);
}

async function usage(uid: string) {
  const { rows } = await testDb().query(
    `SELECT requests, tokens::int, reserved::int, in_flight FROM usage_daily WHERE day = (now() AT TIME ZONE 'utc')::date AND subject = $1`,
    [`user:${uid}`],
  );
  return rows[0] as { requests: number; tokens: number; reserved: number; in_flight: number };
}

async function request(requestKey: string) {
  const { rows } = await testDb().query('SELECT status, tokens_in, tokens_out, enqueue_count, attempts, requested_by, reserved_tokens::int FROM generation_requests WHERE request_key = $1', [requestKey]);
  return rows[0];
}

type Overview = { today: { tokensIn: number; tokensOut: number; tokens: number } };

describe('unmetered failures and free reruns (issue 15 §3)', () => {
  test('a refused model call is charged to the request, the user, the global budget and the console overview; rerunning it is new, charged work', async () => {
    const admin = await signIn('admin@example.com', 'admin-password');
    const before = await callOrThrow<Overview>('adminOverview', {}, admin);
    const attacker = await freshAccount();
    const theme = `refuse ${randomBytes(4).toString('hex')}`;
    const pool = uniquePool({ subject: 'cinema', theme });
    await injectFaults(theme, [{ kind: 'refusal' }]);
    const accepted = await attacker.client.requestGeneration({ pool, targetCount: 5 });
    expect((await waitForStatus(accepted.requestKey, ['done', 'failed'], 120_000)).status).toBe('failed');
    await waitForAttemptRows(accepted.requestKey);
    expect((await modelCalls(theme)).calls).toBe(1);

    const failed = await request(accepted.requestKey);
    expect(failed.status).toBe('failed');
    const refusedTokens = failed.tokens_in + failed.tokens_out;
    expect(failed.tokens_in).toBeGreaterThan(0);
    expect(failed.tokens_out).toBeGreaterThan(0);
    // The user paid for the refusal; the reservation came back when the work failed.
    expect(await usage(attacker.uid)).toMatchObject({ requests: 1, tokens: refusedTokens, reserved: 0, in_flight: 0 });
    const attempt = await testDb().query('SELECT outcome, model_calls, tokens_in, tokens_out FROM generation_attempts WHERE request_key = $1', [accepted.requestKey]);
    expect(attempt.rows).toEqual([{ outcome: 'failed', model_calls: 1, tokens_in: failed.tokens_in, tokens_out: failed.tokens_out }]);
    const after = await callOrThrow<Overview>('adminOverview', {}, admin);
    expect(after.today.tokensIn - before.today.tokensIn).toBeGreaterThanOrEqual(failed.tokens_in);
    expect(after.today.tokensOut - before.today.tokensOut).toBeGreaterThanOrEqual(failed.tokens_out);
    expect(after.today.tokens - before.today.tokens).toBeGreaterThanOrEqual(refusedTokens);

    // After the cooldown the same request reopens the work — as new work: one more request of the
    // day, a reservation and an in-flight slot, the attempts of the new run charged to this caller.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await injectFaults(theme, [{ kind: 'delay', ms: 3_000 }]);
    const rerun = await attacker.client.requestGeneration({ pool, targetCount: 5 });
    expect(rerun.requestKey).toBe(accepted.requestKey);
    expect(rerun.status).toBe('pending');
    const reopened = await usage(attacker.uid);
    expect(reopened.requests).toBe(2);
    expect(reopened.in_flight).toBe(1);
    expect(reopened.reserved).toBeGreaterThan(0);
    expect((await waitForStatus(rerun.requestKey, ['done'], 120_000)).status).toBe('done');
    expect(await usage(attacker.uid)).toMatchObject({ requests: 2, reserved: 0, in_flight: 0 });
    expect((await usage(attacker.uid)).tokens).toBeGreaterThan(refusedTokens);
  });

  test("a request an admin cancelled is not reopened by a user's identical request after the cooldown", async () => {
    const admin = await signIn('admin@example.com', 'admin-password');
    const attacker = await freshAccount();
    const theme = `cancel ${randomBytes(4).toString('hex')}`;
    const pool = uniquePool({ subject: 'cinema', theme });
    // A slow model keeps the work in flight while the admin cancels it.
    await injectFaults(theme, [{ kind: 'delay', ms: 10_000 }]);
    const accepted = await attacker.client.requestGeneration({ pool, targetCount: 5 });
    const cancelled = await callOrThrow<{ changed: number }>('adminCancelRequests', { requestKeys: [accepted.requestKey] }, admin);
    expect(cancelled.changed).toBe(1);
    const atCancel = await request(accepted.requestKey);
    expect(atCancel.status).toBe('failed');
    expect(await usage(attacker.uid)).toMatchObject({ requests: 1, reserved: 0, in_flight: 0 });

    await new Promise((resolve) => setTimeout(resolve, 2_500));
    for (const asker of [attacker, await freshAccount()]) {
      const again = await asker.client.requestGeneration({ pool, targetCount: 5 });
      expect(again).toMatchObject({ requestKey: accepted.requestKey, status: 'failed' });
    }
    const still = await request(accepted.requestKey);
    expect(still).toMatchObject({ status: 'failed', enqueue_count: atCancel.enqueue_count, requested_by: attacker.uid });
    expect((await usage(attacker.uid)).requests).toBe(1);
  });
});
