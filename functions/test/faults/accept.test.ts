import { acceptGenerationRequest } from '../../src/generation/acceptGenerationRequest';
import { FAULT_POINTS, installFaultHook } from '../../src/shared/faultPoints';
import { generationRequestSchema, requestKeyOf } from '../../src/questions/poolParams';
import { closeAppClients } from '../support/appClient';
import { acceptDepsWith, casesOf, checkInvariants, converge, FakeTaskQueue, injectAt, outcomeOf, paidPool, report, requester } from '../support/faultHarness';
import { closeTestClients, testDb } from '../support/stack';

// Accept (Postgres commit → requester document → mark → enqueue): every point × {crash, throw}.
// Redelivery: the client's retry of the same call (after a crash, once its call timed out), then
// Cloud Tasks and the sweeper. docs/reliability.md lists what each point leaves behind.

afterEach(() => installFaultHook(undefined));
afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

const cases = casesOf('accept');
const enumerated: string[] = [];
const checks: number[] = [];

test.each(cases)('%s, %s: the client retries and the request completes with every invariant', async (point, mode) => {
  const who = await requester();
  const { theme, pool } = paidPool();
  const input = { pool, targetCount: 5 };
  const requestKey = requestKeyOf(generationRequestSchema.parse(input));
  const queue = new FakeTaskQueue();
  const fault = injectAt(point, mode);
  const first = await outcomeOf(acceptGenerationRequest(acceptDepsWith(queue), who.uid, input), fault);
  expect(fault.fired()).toBe(1);
  expect(first.kind).toBe(mode === 'crash' ? 'crashed' : 'error');
  fault.revive();
  if (mode === 'crash') {
    // A call that never answers is retried after the callable's timeout (70 s in the SDK), longer
    // than the 30 s requester mirror lease the dead call held: the clock moves past it.
    await testDb().query(`UPDATE generation_requesters SET mirroring_until = now() - interval '1 second' WHERE request_key = $1 AND mirroring_until IS NOT NULL`, [requestKey]);
  }
  await expect(acceptGenerationRequest(acceptDepsWith(queue), who.uid, input)).resolves.toMatchObject({ requestKey });
  await converge(queue, requestKey);
  checks.push(await checkInvariants({ requestKey, poolKey: (await testDb().query('SELECT pool_key FROM generation_requests WHERE request_key = $1', [requestKey])).rows[0].pool_key, theme, requesters: [who], expected: { modelCalls: 1, status: 'done' } }));
  enumerated.push(`${point}/${mode}`);
}, 90_000);

test('enumerated every accept point × fault, and nothing else', () => {
  expect(enumerated.sort()).toEqual(FAULT_POINTS.accept.flatMap((p) => [`${p}/crash`, `${p}/throw`]).sort());
  console.log(report('accept', enumerated, checks));
});
