import { runtimeOptions } from '../config/runtime';
import { onCall, HttpsError } from 'firebase-functions/v2/https';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { z } from 'zod';
import { dependencies, overviewDeps } from '../config/dependencies';
import { DATABASE_URL, FUNCTIONS_REGION } from '../config/params';
import { NotFoundError } from '../shared/errors';
import { requireRole, withHttpsErrors } from '../shared/httpsErrors';
import { parseInput } from '../shared/validation';
import { audited, type AdminActor } from './audit';
import { listAuditPage } from './auditLog';
import { computeCharts } from './charts';
import { publishOverview, noteGenerationActivity } from './overview';
import { changeQuestionState, listPoolQuestions, listPoolsPage, questionStateSchema, topUpPool, topUpSchema } from './pools';
import { getDiscoveryEntryWithData } from './queries/getDiscoveryEntryWithData';
import { listDiscoveryEntries } from './queries/listDiscoveryEntries';
import { EMULATOR_QUEUE_NOTICE, cloudTasksQueueAdmin, queueWork, type QueueAdmin } from './queue';
import { cancelRequests, getRequestView, listRequestsPage, retryRequests } from './requests';
import { listReviewQueue, reviewEdit, reviewEditSchema, reviewFixKey, reviewFixKeySchema, reviewKeep, reviewKeepSchema, reviewRemove, reviewRemoveSchema, type ReviewItemRef } from './review';

const options = { secrets: [DATABASE_URL] };


/** After an action that moves requests: the overview's mirror follows (throttled). */
const touchOverview = () => noteGenerationActivity(overviewDeps());

/** Short summaries of a request's input for the audit row (a filter, or how many keys). */
function describe(input: unknown): { target?: string; params?: unknown } {
  const data = (input ?? {}) as { requestKeys?: string[]; filter?: unknown; poolKey?: string; questionId?: string };
  if (Array.isArray(data.requestKeys)) return { target: data.requestKeys.length === 1 ? data.requestKeys[0] : `${data.requestKeys.length} requests`, params: data };
  if (data.poolKey) return { target: data.questionId ? `${data.poolKey}/${data.questionId}` : data.poolKey, params: data };
  return { params: data };
}

/** The audit row's target for a review action: pool/question or request/question. */
function reviewTarget(input: unknown): { target?: string; params?: unknown } {
  const item = (input as { item?: ReviewItemRef } | null)?.item;
  if (!item) return { params: input };
  return { target: item.kind === 'held' ? `${item.requestKey}/${item.questionId}` : `${item.poolKey}/${item.questionId}`, params: input };
}

/** One review action: parsed before the audit (a malformed call is an invalid-argument, not an audited attempt). */
function reviewAction(actor: AdminActor, name: string, schema: Parameters<typeof parseInput>[0], run: typeof reviewKeep, data: unknown) {
  return withHttpsErrors(() => {
    parseInput(schema, data);
    const deps = dependencies();
    return audited(deps.db, actor, name, reviewTarget(data), () => run(deps, data, actor.email ?? actor.uid));
  });
}

export const adminOverview = onCall(options, async (request) => {
  requireRole(request.auth, 'viewer');
  return withHttpsErrors(() => publishOverview(overviewDeps()));
});

/** The overview's time series, from the hourly rollups (rolled forward first, if an hour has closed). */
export const adminCharts = onCall(options, async (request) => {
  requireRole(request.auth, 'viewer');
  return withHttpsErrors(() => computeCharts(overviewDeps(), request.data));
});

/** A floor under the overview's freshness when nothing changes state (counts by age, the budget's day). */
export const adminStatsRefresh = onSchedule({ ...runtimeOptions('adminStatsRefresh'), schedule: 'every 1 minutes', secrets: [DATABASE_URL], retryCount: 0 }, async () => {
  await publishOverview(overviewDeps());
});

export const adminListRequests = onCall(options, async (request) => {
  requireRole(request.auth, 'viewer');
  return withHttpsErrors(() => listRequestsPage(dependencies().db, request.data));
});

export const adminGetRequest = onCall(options, async (request) => {
  requireRole(request.auth, 'viewer');
  return withHttpsErrors(() => getRequestView(dependencies(), request.data));
});

export const adminRetryRequests = onCall({ ...options, timeoutSeconds: 300 }, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return withHttpsErrors(async () => {
    const deps = dependencies();
    const result = await audited(deps.db, actor, 'retryRequests', describe(request.data), () => retryRequests(deps, request.data));
    await touchOverview();
    return result;
  });
});

export const adminCancelRequests = onCall({ ...options, timeoutSeconds: 300 }, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return withHttpsErrors(async () => {
    const deps = dependencies();
    const result = await audited(deps.db, actor, 'cancelRequests', describe(request.data), () => cancelRequests(deps, request.data, actor.email ?? actor.uid));
    await touchOverview();
    return result;
  });
});

export const adminListPools = onCall(options, async (request) => {
  requireRole(request.auth, 'viewer');
  return withHttpsErrors(() => listPoolsPage(dependencies(), request.data));
});

export const adminListPoolQuestions = onCall(options, async (request) => {
  requireRole(request.auth, 'viewer');
  return withHttpsErrors(() => listPoolQuestions(dependencies(), request.data));
});

export const adminSetQuestionState = onCall(options, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return withHttpsErrors(() => {
    const deps = dependencies();
    // Parsed before the audit so a malformed call is an invalid-argument, not an audited attempt.
    parseInput(questionStateSchema, request.data);
    return audited(deps.db, actor, 'setQuestionState', describe(request.data), () => changeQuestionState(deps.firestore, request.data, actor.email ?? actor.uid));
  });
});

/** The review queue (issue 17 §3): held and flagged questions, with their verdicts and answer statistics. */
export const adminListReview = onCall(options, async (request) => {
  requireRole(request.auth, 'viewer');
  return withHttpsErrors(() => listReviewQueue(dependencies(), request.data));
});

export const adminReviewKeep = onCall(options, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return reviewAction(actor, 'review.keep', reviewKeepSchema, reviewKeep, request.data);
});

export const adminReviewFixKey = onCall(options, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return reviewAction(actor, 'review.fixKey', reviewFixKeySchema, reviewFixKey, request.data);
});

export const adminReviewEdit = onCall(options, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return reviewAction(actor, 'review.edit', reviewEditSchema, reviewEdit, request.data);
});

export const adminReviewRemove = onCall(options, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return reviewAction(actor, 'review.remove', reviewRemoveSchema, reviewRemove, request.data);
});

export const adminTopUpPool = onCall(options, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return withHttpsErrors(() => {
    const deps = dependencies();
    parseInput(topUpSchema, request.data);
    return audited(deps.db, actor, 'topUpPool', describe(request.data), () => topUpPool(deps, request.data, actor.uid));
  });
});

/** Cloud Tasks administration exists only in production; the emulator implements none of it. */
function queueAdmin(): QueueAdmin | undefined {
  if (process.env.FUNCTIONS_EMULATOR === 'true') return undefined;
  const projectId = process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT;
  if (!projectId) throw new NotFoundError('No project id in the environment');
  return cloudTasksQueueAdmin({ projectId, region: FUNCTIONS_REGION.value(), queueId: 'generateQuestionPool' });
}

export const adminQueueStatus = onCall(options, async (request) => {
  requireRole(request.auth, 'viewer');
  return withHttpsErrors(async () => {
    const admin = queueAdmin();
    const work = await queueWork(dependencies().db);
    if (!admin) return { mode: 'emulator', unavailable: EMULATOR_QUEUE_NOTICE, work };
    return { mode: 'cloud-tasks', queue: await admin.status(), work };
  });
});

const queueControlSchema = z.strictObject({ action: z.enum(['pause', 'resume', 'purge']) });

export const adminQueueControl = onCall(options, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return withHttpsErrors(() => {
    const { action } = parseInput(queueControlSchema, request.data);
    return audited(dependencies().db, actor, `queue.${action}`, { target: 'generateQuestionPool', params: request.data }, async () => {
      const admin = queueAdmin();
      if (!admin) throw new HttpsError('failed-precondition', `Queue ${action} is not available in the emulator (Cloud Tasks administration is production only).`);
      if (action === 'purge') {
        const { purged, queue } = await admin.purge();
        return { action, purged, state: queue.state };
      }
      const queue = action === 'pause' ? await admin.pause() : await admin.resume();
      return { action, state: queue.state };
    });
  });
});

const discoveryListSchema = z.strictObject({ provider: z.string().min(1).max(50).optional() });
const discoveryEntrySchema = z.strictObject({ cacheKey: z.string().min(3).max(255) });

export const adminListDiscovery = onCall(options, async (request) => {
  requireRole(request.auth, 'viewer');
  return withHttpsErrors(async () => {
    const { provider } = parseInput(discoveryListSchema, request.data ?? {});
    return { entries: await listDiscoveryEntries(dependencies().db, provider) };
  });
});

export const adminGetDiscoveryEntry = onCall(options, async (request) => {
  requireRole(request.auth, 'viewer');
  return withHttpsErrors(async () => {
    const { cacheKey } = parseInput(discoveryEntrySchema, request.data);
    const entry = await getDiscoveryEntryWithData(dependencies().db, cacheKey);
    if (!entry) throw new NotFoundError(`Nothing cached under ${cacheKey}`);
    return { entry };
  });
});

export const adminListAudit = onCall(options, async (request) => {
  requireRole(request.auth, 'viewer');
  return withHttpsErrors(() => listAuditPage(dependencies().db, request.data));
});
