import { acceptGenerationRequest } from '../../src/generation/acceptGenerationRequest';
import { FAULT_POINTS, installFaultHook } from '../../src/shared/faultPoints';
import { closeAppClients } from '../support/appClient';
import { acceptDepsWith, casesOf, checkInvariants, converge, FakeTaskQueue, injectAt, paidPool, report, requester } from '../support/faultHarness';
import { closeTestClients, testDb } from '../support/stack';

// The generation task (claim → model call → store → pool write → complete → mirror → attempt row):
// every point × {crash, throw}. Redelivery: Cloud Tasks retries a delivery that threw or died; a
// dead worker's lease expires and the sweeper gives the work a new task.

afterEach(() => installFaultHook(undefined));
afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

const cases = casesOf('generation');
const enumerated: string[] = [];
const checks: number[] = [];

test.each(cases)('%s, %s: redelivered until final, with every invariant', async (point, mode) => {
  const who = await requester();
  const { theme, pool } = paidPool();
  const queue = new FakeTaskQueue();
  const accepted = await acceptGenerationRequest(acceptDepsWith(queue), who.uid, { pool, targetCount: 5 });
  const fault = injectAt(point, mode);
  await converge(queue, accepted.requestKey, fault);
  expect(fault.fired()).toBe(1);
  const attempts = (await testDb().query('SELECT attempts FROM generation_requests WHERE request_key = $1', [accepted.requestKey])).rows[0].attempts;
  // Past the Postgres "done" a redelivery only mirrors: the work is never claimed again.
  expect(attempts).toBe(point === 'generation.afterComplete' || point === 'generation.afterStatusMirror' ? 1 : 2);
  // Between the model's answer and the store, a failure charges the call and a retry pays for it
  // again (its questions were never kept); a process dying there also leaves its tokens uncharged.
  const lostCall = point === 'generation.afterModelCall';
  checks.push(await checkInvariants({
    requestKey: accepted.requestKey, poolKey: accepted.poolKey, theme, requesters: [who],
    expected: { modelCalls: lostCall ? 2 : 1, status: 'done', unchargedTokens: lostCall && mode === 'crash' ? (billed) => billed[0]! : undefined },
  }));
  enumerated.push(`${point}/${mode}`);
}, 90_000);

test('enumerated every generation point × fault, and nothing else', () => {
  expect(enumerated.sort()).toEqual(FAULT_POINTS.generation.flatMap((p) => [`${p}/crash`, `${p}/throw`]).sort());
  console.log(report('generation', enumerated, checks));
});
