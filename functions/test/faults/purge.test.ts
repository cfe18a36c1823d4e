import { randomBytes } from 'node:crypto';
import { acceptGenerationRequest } from '../../src/generation/acceptGenerationRequest';
import { purgeOldRecords } from '../../src/retention/purgeOldRecords';
import { FAULT_POINTS, installFaultHook } from '../../src/shared/faultPoints';
import { closeAppClients } from '../support/appClient';
import { acceptDepsWith, casesOf, checkInvariants, converge, FakeTaskQueue, injectAt, outcomeOf, paidPool, report, requester } from '../support/faultHarness';
import { retentionRows } from '../support/retentionRows';
import { closeTestClients, testDb } from '../support/stack';

// The retention purge (attempts → usage → audit → rate buckets → fill leases): every point ×
// {crash, throw}. Redelivery: the scheduler's retry (retryCount 1) or the next day's run. Beyond
// the request invariants (today's charges and a finished request untouched), everything past its
// period is gone after the rerun and nothing within it went.

afterEach(() => installFaultHook(undefined));
afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

const cases = casesOf('purge');
const enumerated: string[] = [];
const checks: number[] = [];
const POLICY = { attemptsDays: 90, usageDays: 400, auditDays: 365 };

test.each(cases)('%s, %s: the rerun finishes the purge, with every invariant', async (point, mode) => {
  const who = await requester();
  const { theme, pool } = paidPool();
  const queue = new FakeTaskQueue();
  const accepted = await acceptGenerationRequest(acceptDepsWith(queue), who.uid, { pool, targetCount: 5 });
  await converge(queue, accepted.requestKey);
  const rows = retentionRows(randomBytes(5).toString('hex'), randomBytes(32).toString('hex'));
  await rows.seed();

  const fault = injectAt(point, mode);
  const first = await outcomeOf(purgeOldRecords(testDb(), POLICY), fault);
  expect(fault.fired()).toBe(1);
  expect(first.kind).toBe(mode === 'crash' ? 'crashed' : 'error');
  fault.revive();
  await purgeOldRecords(testDb(), POLICY);
  expect(await rows.left()).toEqual({ attempts: [2], usage: [2], audit: ['recent'], buckets: ['answers'], leases: 0 });
  checks.push(1 + await checkInvariants({ requestKey: accepted.requestKey, poolKey: accepted.poolKey, theme, requesters: [who], expected: { modelCalls: 1, status: 'done' } }));
  enumerated.push(`${point}/${mode}`);
}, 90_000);

test('enumerated every purge point × fault, and nothing else', () => {
  expect(enumerated.sort()).toEqual(FAULT_POINTS.purge.flatMap((p) => [`${p}/crash`, `${p}/throw`]).sort());
  console.log(report('purge', enumerated, checks, ['old rows purged, recent kept']));
});
