import type { Firestore } from 'firebase-admin/firestore';
import { UnavailableError } from '../shared/errors';
import type { Queryable } from '../shared/postgres';
import { parseInput } from '../shared/validation';
import type { QuestionGenerator } from '../questions/generator';
import { pickGenerator } from '../questions/pickGenerator';
import { generationRequestSchema, poolKeyOf, requestKeyOf } from './poolParams';
import { claimEnqueue } from './queries/claimEnqueue';
import { releaseEnqueue } from './queries/releaseEnqueue';
import type { GenerationStatus } from './queries/types';
import { upsertGenerationRequest } from './queries/upsertGenerationRequest';
import { mirrorRequester } from './statusMirror';
import type { GenerationTaskQueue } from './taskQueue';

export type AcceptDeps = {
  db: Queryable;
  firestore: Firestore;
  queue: GenerationTaskQueue;
  generators: readonly QuestionGenerator[];
  maxAttempts: number;
};

export type AcceptedRequest = {
  requestKey: string;
  poolKey: string;
  status: GenerationStatus;
  /** True for the caller whose request created the work; duplicates join it for free. */
  created: boolean;
};

/**
 * "Ensure pool P holds at least N questions": one row, one task, one generator run however
 * many identical requests arrive.
 */
export async function acceptGenerationRequest(deps: AcceptDeps, uid: string, input: unknown): Promise<AcceptedRequest> {
  const request = parseInput(generationRequestSchema, input);
  pickGenerator(deps.generators, request.pool);
  const poolKey = poolKeyOf(request.pool);
  const requestKey = requestKeyOf(request);

  const row = await upsertGenerationRequest(deps.db, {
    requestKey,
    poolKey,
    params: request.pool,
    targetCount: request.targetCount,
    maxAttempts: deps.maxAttempts,
    uid,
  });

  if (row.newRequester) {
    // Before the enqueue: the generator's later status writes must land after "pending".
    await mirrorRequester(deps.firestore, { requestKey, poolKey, targetCount: request.targetCount, uid, created: row.created });
  }

  let enqueueCount: number | undefined = row.created ? row.enqueueCount : undefined;
  if (!row.created && row.status === 'pending' && row.enqueuedAt === null) {
    enqueueCount = await claimEnqueue(deps.db, requestKey);
  }
  if (enqueueCount !== undefined) {
    try {
      await deps.queue.enqueue(requestKey, enqueueCount);
    } catch (error) {
      await releaseEnqueue(deps.db, requestKey, enqueueCount).catch(() => undefined);
      throw new UnavailableError('The generation queue is unavailable; your request is saved, try again shortly.', { cause: error });
    }
  }

  return { requestKey, poolKey, status: row.status, created: row.created };
}
