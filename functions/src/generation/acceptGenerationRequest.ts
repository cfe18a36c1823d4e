import type { Firestore } from 'firebase-admin/firestore';
import { LRUCache } from 'lru-cache';
import { ResourceExhaustedError, UnavailableError } from '../shared/errors';
import { faultPoint } from '../shared/faultPoints';
import { detach } from '../shared/roundTrips';
import type { Queryable } from '../shared/postgres';
import { parseInput } from '../shared/validation';
import type { QuestionGenerator } from '../questions/generator';
import { isPaidGenerator, pickGenerator } from '../questions/pickGenerator';
import { type GenerationRequest, generationRequestSchema, poolKeyOf, requestKeyOf } from '../questions/poolParams';
import { nextUtcMidnight, type Quotas } from './quotas';
import { claimEnqueue } from './queries/claimEnqueue';
import { releaseEnqueue } from './queries/releaseEnqueue';
import { reopenForUser } from './queries/reopenGenerationRequest';
import type { GenerationStatus } from './queries/types';
import { type ChargeRefusal, readKnownRequest, upsertGenerationRequest } from './queries/upsertGenerationRequest';
import { markRequesterMirrored, releaseRequesterMirror } from './queries/markRequesterMirrored';
import { mirrorRequester, mirrorStatus, mirrorTarget, repairRequester } from './statusMirror';
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
    // Inside the try: a failed enqueue (what a fault here stands for) gives the counter back, so the
    // caller's retry offers the task again instead of leaving it to the sweeper a lease later.
    await faultPoint('accept.beforeEnqueue');
    await deps.queue.enqueue(requestKey, enqueueCount);
  } catch (error) {
    await releaseEnqueue(deps.db, requestKey, enqueueCount).catch(() => undefined);
    throw new UnavailableError('The generation queue is unavailable; your request is saved, try again shortly.', { cause: error });
  }
}

/** What a request's bytes come to: the same bytes always parse to the same request. */
type Prepared = { request: GenerationRequest; poolKey: string; requestKey: string; paid: boolean };

// Per instance and generator set. A valid request is under 300 bytes; 10,000 of them are a few MB.
const preparedBy = new WeakMap<readonly QuestionGenerator[], LRUCache<string, Prepared>>();
const MAX_PREPARED_KEY = 512;

/**
 * The input parsed (zod), keyed (canonical JSON, sha256) and its generator picked — once per
 * distinct input per instance: a duplicate, the commonest call, repeats the bytes of an earlier
 * one. Only inputs that parsed are kept, so an invalid input always meets the schema. Callable
 * data is JSON, so its JSON text is the input exactly.
 */
function prepare(generators: readonly QuestionGenerator[], input: unknown): Prepared {
  const text = typeof input === 'object' && input !== null ? JSON.stringify(input) : undefined;
  const cacheable = text !== undefined && text.length <= MAX_PREPARED_KEY;
  let cache = preparedBy.get(generators);
  const hit = cacheable ? cache?.get(text) : undefined;
  if (hit) return hit;
  const request = parseInput(generationRequestSchema, input);
  const prepared: Prepared = {
    request,
    poolKey: poolKeyOf(request.pool),
    requestKey: requestKeyOf(request),
    paid: isPaidGenerator(pickGenerator(generators, request.pool)),
  };
  if (cacheable) {
    if (!cache) preparedBy.set(generators, (cache = new LRUCache({ max: 10_000 })));
    cache.set(text, prepared);
  }
  return prepared;
}

// Requesters whose accept of a request completed on this instance: asking again is then a plain
// indexed read (the statement for new work does more). A requester is never forgotten by
// Postgres while its request exists; if the read finds nothing, the full statement runs.
const knownRequesters = new LRUCache<string, true>({ max: 50_000 });

/**
 * "Ensure pool P holds at least N questions": one row per pool, one task, one generator run however
 * many requests for the pool arrive. A higher target raises the work's target (in flight: the run
 * picks it up; done: reopened once, for the delta); a lower or equal one joins it.
 */
export async function acceptGenerationRequest(deps: AcceptDeps, uid: string, input: unknown): Promise<AcceptedRequest> {
  const { request, poolKey, requestKey, paid } = prepare(deps.generators, input);
  const knownKey = `${requestKey}/${uid}`;
  const known = knownRequesters.has(knownKey) ? await readKnownRequest(deps.db, requestKey, uid) : undefined;
  if (known && !isStalled(known.status, known.unqueued) && known.targetCount >= request.targetCount) return { requestKey, poolKey, status: known.status, created: false };
  // Everyone else, and the rare known requester of stalled work, meets the full statement.
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
  // A known requester asking again: the statement was the whole call. (One whose documents another
  // call is still writing leaves them to it; only a confirmed one is remembered on the instance.)
  if (!row.newRequester && !row.repairRequester && !row.raised && !isStalled(row.status, row.enqueuedAt === null)) {
    await faultPoint('accept.afterUpsert');
    if (row.knownMirrored) knownRequesters.set(knownKey, true);
    return { requestKey, poolKey, status: row.status, created: row.created };
  }
  try {
    await faultPoint('accept.afterUpsert');
    return await finishAccept(deps, uid, { requestKey, poolKey, knownKey, targetCount: request.targetCount, paid }, row);
  } catch (error) {
    // This call held the requester's mirror lease: let an identical retry repair at once.
    if (row.newRequester || row.repairRequester) await releaseRequesterMirror(deps.db, requestKey, uid).catch(() => undefined);
    throw error;
  }
}

async function finishAccept(
  deps: AcceptDeps, uid: string,
  { requestKey, poolKey, knownKey, targetCount, paid }: { requestKey: string; poolKey: string; knownKey: string; targetCount: number; paid: boolean },
  row: Extract<Awaited<ReturnType<typeof upsertGenerationRequest>>, { outcome: 'accepted' }>,
): Promise<AcceptedRequest> {
  // After the commit, the requester document and the enqueue go side by side (the mirror tolerates
  // the generator writing first). Both are idempotent and Postgres holds the truth, so whichever
  // fails, the call fails and an identical retry finishes the work; both are settled before the
  // call answers, so nothing is still being written when the caller retries.
  // The requester is marked mirrored in Postgres only once Firestore confirmed it: a retry after a
  // failure here (a requester still unmarked) writes it again.
  const requesterWritten = row.newRequester || row.repairRequester
    ? (async () => {
        const target = { requestKey, poolKey, targetCount: row.targetCount, uid };
        // Work carried forward by the pool-unit migration has no status document yet: created here.
        if (row.repairRequester || row.statusUnmirrored) await repairRequester(deps.firestore, { ...target, status: row.status });
        else await mirrorRequester(deps.firestore, { ...target, created: row.created });
        await faultPoint('accept.afterRequesterMirror');
        // The mark only spares this requester's later calls the write; the call does not wait for
        // it. Lost (a throttled instance, a failed statement), it costs one idempotent repair.
        detach(() => markRequesterMirrored(deps.db, requestKey, uid));
      })()
    : undefined;
  // A repaired call may have died before its enqueue: the same task id makes this a no-op if not.
  const requeue = row.repairRequester && row.status === 'pending' && row.enqueuedAt !== null;
  const queued = row.created || requeue ? enqueueOnce(deps, requestKey, row.enqueueCount).then(() => row.status)
    // Done work raised to a higher target: its one follow-up task, the status reopened first (the
    // run's "running" must not be overwritten by a late "pending").
    : row.raised === 'reopened'
      ? mirrorStatus(deps.firestore, requestKey, { status: 'pending', target: row.targetCount, error: null, errorCode: null })
          // Not mirrored, not queued: the next request for the pool queues it (as after a failed enqueue).
          .catch(async (error: unknown) => { await releaseEnqueue(deps.db, requestKey, row.enqueueCount).catch(() => undefined); throw error; })
          .then(() => enqueueOnce(deps, requestKey, row.enqueueCount)).then(() => row.status)
      // Raised in flight: the status shows the new target (a pending row nobody queued is queued too).
      : row.raised === 'raised'
        ? Promise.all([mirrorTarget(deps.firestore, requestKey, row.targetCount), resumeStalled(deps, requestKey, row, uid, paid, targetCount)]).then(([, s]) => s)
        : resumeStalled(deps, requestKey, row, uid, paid, targetCount);
  const [written, status] = await Promise.allSettled([requesterWritten, queued]);
  if (written.status === 'rejected') throw written.reason;
  if (status.status === 'rejected') throw status.reason;
  knownRequesters.set(knownKey, true);
  return { requestKey, poolKey, status: status.value, created: row.created };
}

/** A pending request nobody queued (its enqueue failed), or a failed or cancelled one: the accept resumes it. */
function isStalled(status: GenerationStatus, unqueued: boolean): boolean {
  return (status === 'pending' && unqueued) || status === 'failed' || status === 'cancelled';
}

async function enqueueOnce(deps: AcceptDeps, requestKey: string, enqueueCount: number): Promise<void> {
  await enqueueOwned(deps, requestKey, enqueueCount);
  await faultPoint('accept.afterEnqueue');
}

/**
 * Rare paths: a pending request whose enqueue failed is queued by the next caller; a failed or
 * cancelled one is reopened (after its cooldown), its status mirrored before the enqueue.
 */
async function resumeStalled(
  deps: AcceptDeps, requestKey: string, row: { status: GenerationStatus; enqueuedAt: Date | null }, uid: string, paid: boolean, targetCount: number,
): Promise<GenerationStatus> {
  if (row.status === 'pending' && row.enqueuedAt === null) {
    const enqueueCount = await claimEnqueue(deps.db, requestKey);
    if (enqueueCount !== undefined) await enqueueOwned(deps, requestKey, enqueueCount);
    return row.status;
  }
  if (row.status === 'failed' || row.status === 'cancelled') {
    // Reopening is new work: charged and reserved for this caller like any new request.
    const reopened = await reopenForUser(deps.db, { requestKey, cooldownSeconds: deps.failedCooldownSeconds, uid, quotas: deps.quotas, paid, targetCount });
    if (reopened === undefined) return row.status;
    if ('refused' in reopened) throw overQuotaError(deps, reopened.refused);
    const { enqueueCount } = reopened;
    await mirrorStatus(deps.firestore, requestKey, { status: 'pending', target: reopened.targetCount, error: null, errorCode: null });
    await enqueueOwned(deps, requestKey, enqueueCount);
    return 'pending';
  }
  return row.status;
}
