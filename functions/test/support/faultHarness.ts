import { randomBytes } from 'node:crypto';
import type { QuestionFactoryClient } from '../../client';
import type { AcceptDeps } from '../../src/generation/acceptGenerationRequest';
import { runGenerationTask, type RunDeps } from '../../src/generation/runGenerationTask';
import { sweepGenerationRequests } from '../../src/generation/sweepGenerationRequests';
import type { GenerationTaskQueue } from '../../src/generation/taskQueue';
import { listPoolQuestionIds } from '../../src/pools/poolStore';
import { FactsGenerator } from '../../src/questions/facts/factsGenerator';
import { OpenAIGenerator } from '../../src/questions/openai/openaiGenerator';
import { crashHere, FAULT_POINTS, InjectedFault, installFaultHook, type FaultPath, type FaultPointName } from '../../src/shared/faultPoints';
import { appClient } from './appClient';
import { signUp } from './client';
import { modelCalls } from './fakeOpenAI';
import { uniquePool } from './pools';
import { testDb, testFirestore, testStack } from './stack';

// The fault-point harness (docs/reliability.md): every point of a path × {crash, throw}, redelivered
// the way production does, then the invariants of issue 16 checked. The work runs in this process
// (so the hook reaches it) against the real Postgres, Firestore emulator and fake OpenAI server.

export type FaultMode = 'crash' | 'throw';
export const FAULT_MODES: readonly FaultMode[] = ['crash', 'throw'];

/** Every (point, mode) of a path: what a path's test enumerates. */
export function casesOf(path: FaultPath): Array<[FaultPointName, FaultMode]> {
  return FAULT_POINTS[path].flatMap((point) => FAULT_MODES.map((mode) => [point, mode] as [FaultPointName, FaultMode]));
}

export type InjectedAt = { fired: () => number; readonly died: Promise<void>; revive: () => void };

/**
 * One fault at `point`: `throw` fails the next dependency call once; `crash` kills the process
 * there, and every point it reaches afterwards (a concurrent branch of the same call) dies too,
 * until the test `revive`s: a new process handles the redelivery.
 */
export function injectAt(point: FaultPointName, mode: FaultMode): InjectedAt {
  let fired = 0;
  let dead = false;
  let onDeath = () => undefined as void;
  let died = new Promise<void>((resolve) => { onDeath = resolve; });
  installFaultHook((reached) => {
    if (dead) return crashHere();
    if (reached !== point || fired > 0) return;
    fired += 1;
    if (mode === 'throw') throw new InjectedFault(reached);
    dead = true;
    onDeath();
    return crashHere();
  });
  return {
    fired: () => fired,
    get died() { return died; },
    // The fault fires once: the new process never dies.
    revive: () => { dead = false; died = new Promise<void>(() => undefined); installFaultHook(undefined); },
  };
}

export type Outcome<T> = { kind: 'ok'; value: T } | { kind: 'error'; error: unknown } | { kind: 'crashed' };

/** Runs one call of a process the fault may kill: its answer, its error, or "crashed" (no answer ever). */
export async function outcomeOf<T>(work: Promise<T>, fault?: InjectedAt): Promise<Outcome<T>> {
  const settled = work.then((value) => ({ kind: 'ok' as const, value }), (error: unknown) => ({ kind: 'error' as const, error }));
  return fault ? Promise.race([settled, fault.died.then(() => ({ kind: 'crashed' as const }))]) : settled;
}

/**
 * Cloud Tasks as production behaves for this test's requests: a task name is created once (a name
 * seen before is refused as already queued); a delivery that throws or dies is delivered again; one
 * that returns is acknowledged. Tasks for other files' requests (the sweeper sees every row) are
 * not this test's to run.
 */
export class FakeTaskQueue implements GenerationTaskQueue {
  private readonly names = new Set<string>();
  private readonly queued: Array<{ name: string; requestKey: string }> = [];
  readonly mine = new Set<string>();
  deliveries = 0;

  async enqueue(requestKey: string, enqueueCount: number): Promise<'enqueued' | 'already-queued'> {
    const name = `${requestKey}-${enqueueCount}`;
    if (this.names.has(name)) return 'already-queued';
    this.names.add(name);
    this.queued.push({ name, requestKey });
    return 'enqueued';
  }

  /** Delivers until the queue is empty; each task up to `maxAttempts` times (the queue's retry config). */
  async deliverAll(run: (requestKey: string) => Promise<unknown>, fault?: InjectedAt, maxAttempts = 5): Promise<void> {
    while (this.queued.length > 0) {
      const task = this.queued.shift()!;
      if (!this.mine.has(task.requestKey)) continue;
      for (let attempt = 1; attempt <= maxAttempts; attempt++) {
        this.deliveries += 1;
        const outcome = await outcomeOf(run(task.requestKey), fault);
        // A process that died runs nothing more; the next delivery goes to a new one.
        if (outcome.kind === 'crashed') fault?.revive();
        if (outcome.kind === 'ok') break;
      }
    }
  }
}

export const QUOTAS = { userDailyRequests: 1000, userDailyTokens: 1e9, globalDailyTokens: 1e15 };

/** Both generators; the pools of a case ask for "cinema", which only the model (the fake) serves. */
export function generators() {
  return [new FactsGenerator(), new OpenAIGenerator({ apiKey: 'k', baseURL: testStack().openaiUrl, model: 'fake-model', questionsPerCall: 10, timeoutMs: 10_000 })];
}

export function acceptDepsWith(queue: GenerationTaskQueue): AcceptDeps {
  return { db: testDb(), firestore: testFirestore(), queue, generators: generators(), maxAttempts: 3, failedCooldownSeconds: 3600, quotas: QUOTAS };
}

export function runDeps(): RunDeps {
  return { db: testDb(), firestore: testFirestore(), generators: generators(), leaseSeconds: 60, globalDailyTokenBudget: 1e15 };
}

/** A pool of its own, with a theme of its own, so the fake's call and token counts are this case's. */
export function paidPool() {
  const theme = `harness ${randomBytes(5).toString('hex')}`;
  return { theme, pool: uniquePool({ subject: 'cinema', theme }) };
}

export type Requester = { uid: string; app: QuestionFactoryClient };

/** A player with the mobile app's client SDK signed in (the requester who must be able to read the status). */
export async function requester(): Promise<Requester> {
  const email = `harness-${randomBytes(5).toString('hex')}@example.com`;
  await signUp(email);
  const { client, uid } = await appClient(email);
  return { uid, app: client };
}

/** One read of the status through the app's listener: its status, or the error code (permission-denied). */
export async function readAs(who: Requester, requestKey: string): Promise<{ ok: true; status: string | undefined } | { ok: false; code: string | undefined }> {
  for (let attempt = 1; ; attempt++) {
    const read = await new Promise<{ ok: true; status: string | undefined } | { ok: false; code: string | undefined }>((resolve) => {
      const stop = who.app.onGenerationStatus(requestKey, (status) => { stop(); resolve({ ok: true, status: status?.status }); },
        (error) => resolve({ ok: false, code: (error as { code?: string }).code }));
    });
    // A first connection on a loaded machine may report "unavailable": not an answer.
    if (read.ok || read.code !== 'unavailable' || attempt >= 5) return read;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

const FINAL = new Set(['done', 'failed', 'cancelled']);

async function row(requestKey: string) {
  return (await testDb().query('SELECT * FROM generation_requests WHERE request_key = $1', [requestKey])).rows[0];
}

/**
 * Production's redelivery until the request is final: Cloud Tasks delivers (and retries) what is
 * queued; then time passes (a dead worker's lease expires) and the scheduled sweeper runs.
 */
export async function converge(queue: FakeTaskQueue, requestKey: string, fault?: InjectedAt, rounds = 4): Promise<void> {
  queue.mine.add(requestKey);
  const deps = runDeps();
  for (let round = 0; round < rounds; round++) {
    await queue.deliverAll((key) => runGenerationTask(deps, key), fault);
    if (FINAL.has((await row(requestKey)).status)) return;
    await testDb().query(`UPDATE generation_requests SET lease_expires_at = now() - interval '1 second' WHERE request_key = $1 AND status = 'running'`, [requestKey]);
    await sweepGenerationRequests({ db: testDb(), firestore: testFirestore(), queue, leaseSeconds: 0 }, 5_000);
  }
}

export type Expected = {
  /** Model calls the fake may have answered for the case's theme. */
  modelCalls: number;
  /** Tokens billed by the fake that may go uncharged (only a process dying between the answer and the store). */
  unchargedTokens?: (billed: number[]) => number;
  status: 'done' | 'failed';
};

export const INVARIANTS = ['model calls', 'tokens charged', 'final', 'pool = result', 'mirror = Postgres', 'requester reads', 'nothing held'] as const;

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The invariants of issue 16 for one request after its redelivery; returns how many were checked. */
export async function checkInvariants(input: { requestKey: string; poolKey: string; theme: string; requesters: Requester[]; expected: Expected }): Promise<number> {
  const { requestKey, poolKey, theme, requesters, expected } = input;
  const final = await row(requestKey);
  const calls = await modelCalls(theme);
  const checked: Record<(typeof INVARIANTS)[number], unknown> = {} as never;

  // No model call paid twice for the same questions.
  checked['model calls'] = expect(calls.calls).toBe(expected.modelCalls);
  // No token uncharged: the request, and its requester's day, carry every token the fake billed.
  const billed = calls.tokens.reduce((a, b) => a + b, 0);
  const charged = Number(final.tokens_in) + Number(final.tokens_out);
  expect(charged).toBe(billed - (expected.unchargedTokens?.(calls.tokens) ?? 0));
  const day = await testDb().query(`SELECT coalesce(sum(tokens), 0)::bigint AS tokens FROM usage_daily WHERE subject = $1 AND day = (now() AT TIME ZONE 'utc')::date`, [`user:${final.requested_by}`]);
  checked['tokens charged'] = expect(Number(day.rows[0].tokens)).toBe(charged);

  checked.final = expect(final.status).toBe(expected.status);
  // The pool holds exactly the stored result (nothing for a request that never stored one).
  const stored = ((final.result?.questions ?? []) as Array<{ id: string }>).map((q) => q.id).sort();
  const inPool = (await listPoolQuestionIds(testFirestore(), poolKey)).sort();
  checked['pool = result'] = expect(inPool).toEqual(final.status === 'done' ? stored : []);

  // The mirror converges to Postgres (a redelivery writes it; allow its write to land).
  const mirrored = async () => (await testFirestore().collection('generation_status').doc(requestKey).get()).data()?.status;
  await eventually(async () => (await mirrored()) === final.status);
  checked['mirror = Postgres'] = expect(await mirrored()).toBe(final.status);
  for (const who of requesters) expect(await readAs(who, requestKey)).toEqual({ ok: true, status: final.status });
  checked['requester reads'] = requesters.length;

  // Nothing held: no lease, no job hold, no reservation, no requester left unmirrored, no in-flight slot.
  expect(final).toMatchObject({ lease_expires_at: null, held_by_job: null, reserved_day: null });
  const unmarked = async () => (await testDb().query(
    `SELECT count(*)::int AS n FROM generation_requesters WHERE request_key = $1 AND NOT mirrored`, [requestKey])).rows[0].n as number;
  await eventually(async () => (await unmarked()) === 0);
  expect(await unmarked()).toBe(0);
  const held = await testDb().query(
    `SELECT coalesce(sum(reserved), 0)::int AS reserved, coalesce(sum(in_flight), 0)::int AS in_flight FROM usage_daily WHERE subject = ANY($1)`,
    [requesters.map((r) => `user:${r.uid}`)],
  );
  checked['nothing held'] = expect(held.rows[0]).toEqual({ reserved: 0, in_flight: 0 });
  return Object.keys(checked).length;
}

/** Each path's test ends with this line: points × faults × invariants, and what it enumerated. */
export function report(path: FaultPath, enumerated: string[], invariantsPerCase: number[], pathInvariants: string[] = []): string {
  const points = FAULT_POINTS[path].length;
  const total = invariantsPerCase.reduce((a, b) => a + b, 0);
  const names = [...INVARIANTS, ...pathInvariants];
  return `fault harness ${path}: ${points} points × ${FAULT_MODES.length} faults = ${enumerated.length} cases, ${total} invariant checks (${names.length} per case: ${names.join(', ')})`;
}
