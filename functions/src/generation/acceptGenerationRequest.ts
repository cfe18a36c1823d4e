import type { Firestore } from 'firebase-admin/firestore';
import { ResourceExhaustedError, UnavailableError } from '../shared/errors';
import { faultPoint } from '../shared/faultPoints';
import type { Queryable } from '../shared/postgres';
import { parseInput } from '../shared/validation';
import type { QuestionGenerator } from '../questions/generator';
import { isPaidGenerator, pickGenerator } from '../questions/pickGenerator';
import { generationRequestSchema, poolKeyOf, requestKeyOf } from '../questions/poolParams';
import { nextUtcMidnight, type Quotas } from './quotas';
import { claimEnqueue } from './queries/claimEnqueue';
import { getDailyUsage } from './queries/getDailyUsage';
import { releaseEnqueue } from './queries/releaseEnqueue';
import { reopenGenerationRequest } from './queries/reopenGenerationRequest';
import type { GenerationStatus } from './queries/types';
import { upsertGenerationRequest } from './queries/upsertGenerationRequest';
import { markRequesterMirrored } from './queries/markRequesterMirrored';
import { mirrorRequester, mirrorStatus, repairRequester } from './statusMirror';
import type { GenerationTaskQueue } from './taskQueue';

export type AcceptDeps = {
  db: Queryable;
  firestore: Firestore;
  queue: GenerationTaskQueue;
  generators: readonly QuestionGenerator[];
  maxAttempts: number;
  quotas: Quotas;
  /** A failed request is retried by an identical request only after this long. */
  failedCooldownSeconds: number;
};

export type AcceptedRequest = {
  requestKey: string;
  poolKey: string;
  status: GenerationStatus;
  /** True for the caller whose request created the work; duplicates join it for free. */
  created: boolean;
};

async function overQuotaError(deps: AcceptDeps, uid: string, paid: boolean): Promise<ResourceExhaustedError> {
  const [user, global] = await Promise.all([getDailyUsage(deps.db, `user:${uid}`), getDailyUsage(deps.db, 'global')]);
  const resetAt = nextUtcMidnight();
  if (!paid) return new ResourceExhaustedError(`Daily quota of ${deps.quotas.userDailyRequests} new generation requests reached`, resetAt);
  if (global.tokens >= deps.quotas.globalDailyTokens) return new ResourceExhaustedError('The daily generation budget is spent', resetAt);
  if (user.tokens >= deps.quotas.userDailyTokens) return new ResourceExhaustedError(`Daily token quota of ${deps.quotas.userDailyTokens} reached`, resetAt);
  return new ResourceExhaustedError(`Daily quota of ${deps.quotas.userDailyRequests} new generation requests reached`, resetAt);
}

/** Puts the task on the queue under the counter we own; if that fails the next caller may try. */
export async function enqueueOwned(deps: Pick<AcceptDeps, 'db' | 'queue'>, requestKey: string, enqueueCount: number): Promise<void> {
  try {
    await deps.queue.enqueue(requestKey, enqueueCount);
  } catch (error) {
    await releaseEnqueue(deps.db, requestKey, enqueueCount).catch(() => undefined);
    throw new UnavailableError('The generation queue is unavailable; your request is saved, try again shortly.', { cause: error });
  }
}

/**
 * "Ensure pool P holds at least N questions": one row, one task, one generator run however
 * many identical requests arrive.
 */
export async function acceptGenerationRequest(deps: AcceptDeps, uid: string, input: unknown): Promise<AcceptedRequest> {
  const request = parseInput(generationRequestSchema, input);
  const paid = isPaidGenerator(pickGenerator(deps.generators, request.pool));
  const poolKey = poolKeyOf(request.pool);
  const requestKey = requestKeyOf(request);

  const row = await upsertGenerationRequest(deps.db, {
    requestKey,
    poolKey,
    params: request.pool,
    targetCount: request.targetCount,
    maxAttempts: deps.maxAttempts,
    uid,
    quotas: deps.quotas,
    paid,
  });
  if (row.outcome === 'over-quota') throw await overQuotaError(deps, uid, paid);

  await faultPoint('accept.afterUpsert');

  // Marked in Postgres only once Firestore confirmed: a retry after a failure here writes it again.
  let marked: Promise<void> | undefined;
  if (row.newRequester || row.repairRequester) {
    // Before the enqueue: the generator's later status writes must land after "pending".
    if (row.repairRequester) {
      await repairRequester(deps.firestore, { requestKey, poolKey, targetCount: request.targetCount, uid, status: row.status });
    } else {
      await mirrorRequester(deps.firestore, { requestKey, poolKey, targetCount: request.targetCount, uid, created: row.created });
    }
    await faultPoint('accept.afterRequesterMirror');
    marked = markRequesterMirrored(deps.db, requestKey, uid).catch(() => undefined);
  }

  let status = row.status;
  let enqueueCount: number | undefined = row.created ? row.enqueueCount : undefined;
  if (!row.created && row.status === 'pending' && row.enqueuedAt === null) {
    enqueueCount = await claimEnqueue(deps.db, requestKey);
  } else if (row.repairRequester && row.status === 'pending') {
    // The failed call may have died before its enqueue; the same task id makes this a no-op if it did not.
    enqueueCount = row.enqueueCount;
  }
  if (row.status === 'failed' || row.status === 'cancelled') {
    enqueueCount = await reopenGenerationRequest(deps.db, requestKey, deps.failedCooldownSeconds);
    if (enqueueCount !== undefined) {
      status = 'pending';
      await mirrorStatus(deps.firestore, requestKey, { status, error: null });
    }
  }
  if (enqueueCount !== undefined) {
    await faultPoint('accept.beforeEnqueue');
    await Promise.all([enqueueOwned(deps, requestKey, enqueueCount), marked]);
    await faultPoint('accept.afterEnqueue');
  } else {
    await marked;
  }

  return { requestKey, poolKey, status, created: row.created };
}
