import { logger } from 'firebase-functions';
import { onCall } from 'firebase-functions/v2/https';
import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { z } from 'zod';
import { dependencies } from '../config/dependencies';
import { DATABASE_URL } from '../config/params';
import { requireUid, withHttpsErrors } from '../shared/httpsErrors';
import { acceptGenerationRequest } from './acceptGenerationRequest';
import { runGenerationTask } from './runGenerationTask';

export const requestGeneration = onCall({ secrets: [DATABASE_URL], concurrency: 80 }, async (request) => {
  const uid = requireUid(request.auth);
  return withHttpsErrors(() => acceptGenerationRequest(dependencies(), uid, request.data));
});

const taskPayloadSchema = z.object({ requestKey: z.string().regex(/^[0-9a-f]{64}$/) });

export const generateQuestionPool = onTaskDispatched(
  {
    secrets: [DATABASE_URL],
    // The lease is the job timeout: a run never outlives the claim that protects it.
    timeoutSeconds: 300,
    memory: '512MiB',
    retryConfig: { maxAttempts: 10, minBackoffSeconds: 10, maxBackoffSeconds: 600, maxDoublings: 5 },
    rateLimits: { maxConcurrentDispatches: 20, maxDispatchesPerSecond: 5 },
  },
  async (request) => {
    const payload = taskPayloadSchema.safeParse(request.data);
    if (!payload.success) {
      // Retrying a malformed task cannot help: acknowledge it.
      logger.error('malformed generation task', { data: request.data });
      return;
    }
    // A thrown error makes Cloud Tasks retry with backoff; returning acknowledges.
    await runGenerationTask(dependencies(), payload.data.requestKey);
  },
);
