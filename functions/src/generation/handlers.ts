import { appCheckEnforced, runtimeOptions } from '../config/runtime';
import { logger } from 'firebase-functions';
import { onCall } from 'firebase-functions/v2/https';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { onTaskDispatched } from 'firebase-functions/v2/tasks';
import { z } from 'zod';
import { dependencies, overviewDeps } from '../config/dependencies';
import { DATABASE_URL, GENERATION_LEASE_SECONDS, OPENAI_API_KEY } from '../config/params';
import { audited } from '../admin/audit';
import { withRoundTripReport } from '../config/roundTripTrace';
import { noteGenerationActivity } from '../admin/overview';
import { consumeAppCheckTokenOnce, requireAppCheck } from '../shared/appCheck';
import { requireRole, requireUid, withHttpsErrors } from '../shared/httpsErrors';
import { acceptGenerationRequest } from './acceptGenerationRequest';
import { getGenerationStats } from './queries/getGenerationStats';
import { retryGenerationRequest } from './retryGenerationRequest';
import { runGenerationTask } from './runGenerationTask';
import { sweepGenerationRequests } from './sweepGenerationRequests';

export const requestGeneration = onCall({
  ...runtimeOptions('requestGeneration'),
  secrets: [DATABASE_URL],
  enforceAppCheck: appCheckEnforced(),
  // Replay protection where enforced: creating work is the costly call (clients use limited-use tokens).
  consumeAppCheckToken: appCheckEnforced(),
}, async (request) => {
  requireAppCheck(request.app, appCheckEnforced());
  const uid = requireUid(request.auth);
  if (appCheckEnforced()) {
    const exp = (request.app?.token as { exp?: number } | undefined)?.exp;
    await consumeAppCheckTokenOnce(dependencies().firestore, request.rawRequest.get('x-firebase-appcheck'), exp);
  }
  return withRoundTripReport(request.rawRequest, () => withHttpsErrors(() => acceptGenerationRequest(dependencies(), uid, request.data)));
});

const taskPayloadSchema = z.object({ requestKey: z.string().regex(/^[0-9a-f]{64}$/) });

export const generateQuestionPool = onTaskDispatched(
  {
    ...runtimeOptions('generateQuestionPool'),
    secrets: [DATABASE_URL, OPENAI_API_KEY],
    // The lease is the job timeout: a run never outlives the claim that protects it.
    timeoutSeconds: GENERATION_LEASE_SECONDS,
    memory: '512MiB',
    retryConfig: { maxAttempts: 10, minBackoffSeconds: 10, maxBackoffSeconds: 600, maxDoublings: 5 },
    // Keeps the model under its rate limit: at most 5 new runs a second, 20 at once.
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
    try {
      await runGenerationTask(dependencies(), payload.data.requestKey);
    } finally {
      // The console's overview mirror follows status transitions (throttled, never throws).
      await noteGenerationActivity(overviewDeps());
    }
  },
);

export const sweepGenerationRequestsJob = onSchedule(
  { ...runtimeOptions('sweepGenerationRequests'), schedule: 'every 2 minutes', secrets: [DATABASE_URL], timeoutSeconds: 120, retryCount: 0 },
  async () => {
    const result = await sweepGenerationRequests(dependencies());
    logger.info('generation.sweep', result);
  },
);

export const retryRequest = onCall({ ...runtimeOptions('retryRequest'), secrets: [DATABASE_URL] }, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return withHttpsErrors(() => {
    const deps = dependencies();
    const target = typeof request.data?.requestKey === 'string' ? request.data.requestKey : undefined;
    return audited(deps.db, actor, 'retryRequest', { target, params: request.data }, () => retryGenerationRequest(deps, request.data));
  });
});

export const generationStats = onCall({ ...runtimeOptions('generationStats'), secrets: [DATABASE_URL] }, async (request) => {
  requireRole(request.auth, 'viewer');
  return withHttpsErrors(() => getGenerationStats(dependencies().db));
});
