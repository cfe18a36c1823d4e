import { cancelRequestKeys } from '../../src/admin/cancel';
import { acceptGenerationRequest } from '../../src/generation/acceptGenerationRequest';
import { retryGenerationRequest } from '../../src/generation/retryGenerationRequest';
import { FAULT_POINTS, installFaultHook } from '../../src/shared/faultPoints';
import { closeAppClients } from '../support/appClient';
import { injectFaults } from '../support/fakeOpenAI';
import { acceptDepsWith, casesOf, checkInvariants, converge, FakeTaskQueue, injectAt, outcomeOf, paidPool, report, requester } from '../support/faultHarness';
import { closeTestClients, testDb, testFirestore } from '../support/stack';

// Admin retry (reopen or requeue in Postgres → mirror → enqueue) and cancel (Postgres → mirror):
// every point × {crash, throw}. Redelivery: the sweeper for a retry (no task may be lost); the
// admin's own retry of a cancel that answered an error or nothing, then Cloud Tasks.

afterEach(() => installFaultHook(undefined));
afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

const cases = casesOf('admin');
const enumerated: string[] = [];
const checks: number[] = [];

const mirrorOf = async (requestKey: string) => (await testFirestore().collection('generation_status').doc(requestKey).get()).data()?.status;

test.each(cases)('%s, %s: redelivered, the request ends as the admin asked, with every invariant', async (point, mode) => {
  const who = await requester();
  const { theme, pool } = paidPool();
  const queue = new FakeTaskQueue();
  const deps = { db: testDb(), firestore: testFirestore(), queue };
  const retrying = point !== 'admin.afterCancel';
  // A retry acts on a request the model refused (failed, one call billed); a cancel on waiting work.
  if (retrying) await injectFaults(theme, [{ kind: 'refusal' }]);
  const accepted = await acceptGenerationRequest(acceptDepsWith(queue), who.uid, { pool, targetCount: 5 });
  if (retrying) {
    await converge(queue, accepted.requestKey);
    expect(await mirrorOf(accepted.requestKey)).toBe('failed');
  }

  const fault = injectAt(point, mode);
  const action: Promise<unknown> = retrying
    ? retryGenerationRequest(deps, { requestKey: accepted.requestKey })
    : cancelRequestKeys(deps, [accepted.requestKey], 'harness-admin');
  const first = await outcomeOf(action, fault);
  expect(fault.fired()).toBe(1);
  expect(first.kind).toBe(mode === 'crash' ? 'crashed' : 'error');
  fault.revive();
  if (!retrying) {
    // The admin cancels again; the request is already failed in Postgres, and the mirror is written
    // by this call (the queued task, had it been acknowledged already, would never write it).
    await expect(cancelRequestKeys(deps, [accepted.requestKey], 'harness-admin')).resolves.toMatchObject({ matched: 1, changed: 0, errors: 0 });
    expect(await mirrorOf(accepted.requestKey)).toBe('failed');
  }
  await converge(queue, accepted.requestKey);
  checks.push(await checkInvariants({
    requestKey: accepted.requestKey, poolKey: accepted.poolKey, theme, requesters: [who],
    expected: retrying ? { modelCalls: 2, status: 'done' } : { modelCalls: 0, status: 'failed' },
  }));
  enumerated.push(`${point}/${mode}`);
}, 90_000);

test('enumerated every admin point × fault, and nothing else', () => {
  expect(enumerated.sort()).toEqual(FAULT_POINTS.admin.flatMap((p) => [`${p}/crash`, `${p}/throw`]).sort());
  console.log(report('admin', enumerated, checks));
});
