import type { Firestore } from 'firebase-admin/firestore';
import { ResourceExhaustedError, UnavailableError } from '../shared/errors';
import type { Queryable } from '../shared/postgres';
import { parseInput } from '../shared/validation';
import type { QuestionGenerator } from '../questions/generator';
import { isPaidGenerator, pickGenerator } from '../questions/pickGenerator';
import { generationRequestSchema, poolKeyOf, requestKeyOf } from '../questions/poolParams';
import { nextUtcMidnight, type Quotas } from './quotas';
import { claimEnqueue } from './queries/claimEnqueue';
import { releaseEnqueue } from './queries/releaseEnqueue';
import { reopenForUser } from './queries/reopenGenerationRequest';
import type { GenerationStatus } from './queries/types';
import { type ChargeRefusal, upsertGenerationRequest } from './queries/upsertGenerationRequest';
import { mirrorRequester, mirrorStatus } from './statusMirror';
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

function overQuotaError(deps: AcceptDeps, limit: ChargeRefusal): ResourceExhaustedError {
  const resetAt = nextUtcMidnight();
  switch (limit) {
    case 'global-tokens':
      return new ResourceExhaustedError('The daily generation budget is spent', resetAt);
    case 'user-tokens':
      return new ResourceExhaustedError(`Daily token quota of ${deps.quotas.userDailyTokens} reached (tokens spent plus those reserved by your work in flight)`, resetAt);
    case 'in-flight':
      return new ResourceExhaustedError(`At most ${deps.quotas.userPaidInFlight} of your paid generation requests may be in flight; wait for one to finish`, resetAt);
    default:
      return new ResourceExhaustedError(`Daily quota of ${deps.quotas.userDailyRequests} new generation requests reached`, resetAt);
  }
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
  if (row.outcome === 'over-quota') throw overQuotaError(deps, row.limit);
  const stalled = (row.status === 'pending' && row.enqueuedAt === null) || row.status === 'failed' || row.status === 'cancelled';
  // A known requester asking again: the statement was the whole call.
  if (!row.newRequester && !stalled) {
    return { requestKey, poolKey, status: row.status, created: row.created };
  }

  // After the commit, the requester document and the enqueue go side by side (the mirror tolerates
  // the generator writing first). Both are idempotent and Postgres holds the truth, so whichever
  // fails, the call fails and an identical retry finishes the work; both are settled before the
  // call answers, so nothing is still being written when the caller retries.
  const requesterWritten = row.newRequester
    ? mirrorRequester(deps.firestore, { requestKey, poolKey, targetCount: request.targetCount, uid, created: row.created })
    : undefined;
  const queued = row.created ? enqueueOwned(deps, requestKey, row.enqueueCount).then(() => row.status) : resumeStalled(deps, requestKey, row, uid, paid);
  const [written, status] = await Promise.allSettled([requesterWritten, queued]);
  if (written.status === 'rejected') throw written.reason;
  if (status.status === 'rejected') throw status.reason;
  return { requestKey, poolKey, status: status.value, created: row.created };
}

/**
 * Rare paths: a pending request whose enqueue failed is queued by the next caller; a failed or
 * cancelled one is reopened (after its cooldown), its status mirrored before the enqueue.
 */
async function resumeStalled(deps: AcceptDeps, requestKey: string, row: { status: GenerationStatus; enqueuedAt: Date | null }, uid: string, paid: boolean): Promise<GenerationStatus> {
  if (row.status === 'pending' && row.enqueuedAt === null) {
    const enqueueCount = await claimEnqueue(deps.db, requestKey);
    if (enqueueCount !== undefined) await enqueueOwned(deps, requestKey, enqueueCount);
    return row.status;
  }
  if (row.status === 'failed' || row.status === 'cancelled') {
    // Reopening is new work: charged and reserved for this caller like any new request.
    const reopened = await reopenForUser(deps.db, { requestKey, cooldownSeconds: deps.failedCooldownSeconds, uid, quotas: deps.quotas, paid });
    if (reopened === undefined) return row.status;
    if ('refused' in reopened) throw overQuotaError(deps, reopened.refused);
    const { enqueueCount } = reopened;
    await mirrorStatus(deps.firestore, requestKey, { status: 'pending', error: null, errorCode: null });
    await enqueueOwned(deps, requestKey, enqueueCount);
    return 'pending';
  }
  return row.status;
}
