// Test-only fault injection at the named steps of multi-step paths (docs/reliability.md).
// Production never installs a hook, so a fault point costs one undefined check.
import fs from 'node:fs';
import { UnavailableError } from './errors';

/** Every named point, by path. The fault test enumerates these lists and checks each is reached. */
export const FAULT_POINTS = {
  accept: [
    'accept.afterUpsert', // Postgres committed; no requester document yet
    'accept.afterRequesterMirror', // requester document written; not yet marked in Postgres
    'accept.beforeEnqueue', // enqueue counter owned; no task queued
    'accept.afterEnqueue', // task queued; caller not answered
  ],
  generation: [
    'generation.afterClaim', // lease taken, attempt counted
    'generation.afterModelCall', // model paid; result not stored
    'generation.afterStoreResult', // result and tokens in Postgres; pool not written
    'generation.afterPoolWrite', // pool written; Postgres still running
    'generation.afterComplete', // done in Postgres; status mirror still running
    'generation.afterStatusMirror', // mirror done; attempt not recorded
  ],
  game: [
    'game.afterAppend', // GAME_ENDED and its follow-up marker committed; nothing applied
    'game.afterStats', // answer statistics added; no history
    'game.afterHistory', // history and counters written; draw memory not released
    'game.afterDrawMemory', // draw memory released; marker still there
    'game.afterMarkerCleared', // marker deleted; caller not answered
  ],
  admin: [
    'admin.afterRetryRequeue', // retry: reopened or requeued in Postgres; mirror still failed, no task
    'admin.afterRetryMirror', // retry: mirror pending; no task queued
    'admin.afterCancel', // cancel: failed in Postgres; mirror still pending or running
  ],
  purge: [
    'purge.afterAttempts', // attempt history purged; daily usage not yet
    'purge.afterUsage', // daily usage purged; audit trail not yet
    'purge.afterAudit', // audit trail purged; rate buckets not yet
    'purge.afterRateBuckets', // rate buckets purged; fill leases not yet
  ],
  batch: [
    'batch.afterHold', // Batch API job row and its holds committed; no line recorded, nothing uploaded
    'batch.afterUpload', // lines recorded, input file uploaded; no OpenAI batch
    'batch.afterCreate', // OpenAI batch created (paid work under way); its id not stored
    'batch.afterPoll', // OpenAI's status read; not stored
    'batch.afterStorePage', // a page of output lines stored; job not marked downloaded
    'batch.afterDownload', // job downloaded; nothing applied
    'batch.afterRelease', // a request's result and tokens stored, hold lifted; no task queued
    'batch.afterApply', // every request released; job not marked applied
    'batch.afterFallback', // a failed or expired job: a request handed to sync with no result; no task queued
  ],
} as const;

export type FaultPath = keyof typeof FAULT_POINTS;
export type FaultPointName = (typeof FAULT_POINTS)[FaultPath][number];

/** What a test does at a point: nothing, throw (the next dependency call fails), or anything it likes. */
export type FaultHook = (point: FaultPointName) => void | Promise<void>;

let hook: FaultHook | undefined;

/** Marks a step boundary. Returns undefined (no await cost beyond a tick) unless a test installed a hook. */
export function faultPoint(point: FaultPointName): void | Promise<void> {
  return hook?.(point);
}

/** Tests only: a deployed function (K_SERVICE set outside the emulator) refuses. */
export function installFaultHook(next: FaultHook | undefined): void {
  if (next && process.env.K_SERVICE && process.env.FUNCTIONS_EMULATOR !== 'true') throw new Error('fault hooks are test-only');
  hook = next;
}

/** Thrown by a hook to stand for a failed dependency call at a point (so clients see `unavailable`). */
export class InjectedFault extends UnavailableError {
  override readonly name = 'InjectedFault';
  constructor(readonly point: FaultPointName) {
    super(`injected fault at ${point}`);
  }
}

/** Never settles: a process that died at a point runs none of the code after it (no catch, no finally). */
export function crashHere(): Promise<never> {
  return new Promise<never>(() => undefined);
}

type FaultPlan = { probability: number; paths?: string[] };

/**
 * Emulated functions are processes of their own: the bench soak reaches them through a plan file
 * (TEST_FAULT_PLAN_FILE), re-read at most once a second, whose points throw at random. Every fault
 * fired is appended to `<file>.fired`. Throws only: a crash would hold an emulator worker until its timeout.
 */
function planHook(file: string): FaultHook {
  let readAt = 0;
  let plan: FaultPlan | undefined;
  return (point) => {
    if (Date.now() - readAt > 1_000) {
      readAt = Date.now();
      try {
        plan = JSON.parse(fs.readFileSync(file, 'utf8')) as FaultPlan;
      } catch {
        plan = undefined;
      }
    }
    if (!plan || Math.random() >= plan.probability || (plan.paths && !plan.paths.includes(point.split('.')[0]!))) return;
    fs.appendFileSync(`${file}.fired`, `${point}\n`);
    throw new InjectedFault(point);
  };
}

// Read only inside the emulator: a deployed function never looks at the variable.
if (process.env.FUNCTIONS_EMULATOR === 'true' && process.env.TEST_FAULT_PLAN_FILE) installFaultHook(planHook(process.env.TEST_FAULT_PLAN_FILE));
