import { runtimeOptions } from '../config/runtime';
import { logger } from 'firebase-functions';
import { onCall } from 'firebase-functions/v2/https';
import { onSchedule } from 'firebase-functions/v2/scheduler';
import { audited } from '../admin/audit';
import { dependencies } from '../config/dependencies';
import { DATABASE_URL, OPENAI_API_KEY } from '../config/params';
import { pollBatchApiJobs } from './openaiBatch/batchApiJob';
import { requireRole, withHttpsErrors } from '../shared/httpsErrors';
import { createBatch as createBatchDomain } from './createBatch';
import { getBatch as getBatchDomain, listBatches as listBatchesDomain } from './readBatches';
import { cancelBatch as cancelBatchDomain, startBatch as startBatchDomain } from './startBatch';

/** What the audit row keeps of a plan: its size and options, never the whole (up to 5,000 pools). */
function planSummary(data: unknown): Record<string, unknown> {
  const input = (data && typeof data === 'object' ? data : {}) as Record<string, unknown>;
  const plan = input['plan'];
  const pools = Array.isArray(plan) ? plan.length : plan && typeof plan === 'object' && Array.isArray((plan as { pools?: unknown }).pools) ? (plan as { pools: unknown[] }).pools.length : undefined;
  return { name: input['name'], mode: input['mode'], dryRun: input['dryRun'] ?? true, ...(pools === undefined ? { matrix: plan && typeof plan === 'object' && 'matrix' in plan } : { pools }) };
}

function batchIdOf(data: unknown): string | undefined {
  const id = data && typeof data === 'object' ? (data as { batchId?: unknown }).batchId : undefined;
  return typeof id === 'string' ? id.slice(0, 100) : undefined;
}

export const createBatch = onCall({ ...runtimeOptions('createBatch'), secrets: [DATABASE_URL], timeoutSeconds: 120 }, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return withHttpsErrors(() => {
    const deps = dependencies();
    return audited(deps.db, actor, 'createBatch', { params: planSummary(request.data) }, () => createBatchDomain(deps, actor, request.data));
  });
});

// Accepting 5,000 pools takes a while; a start cut short resumes where it stopped when called again.
export const startBatch = onCall({ ...runtimeOptions('startBatch'), secrets: [DATABASE_URL], timeoutSeconds: 540, memory: '512MiB' }, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return withHttpsErrors(() => {
    const deps = dependencies();
    return audited(deps.db, actor, 'startBatch', { target: batchIdOf(request.data) }, () => startBatchDomain(deps, request.data));
  });
});

export const cancelBatch = onCall({ ...runtimeOptions('cancelBatch'), secrets: [DATABASE_URL], timeoutSeconds: 120 }, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return withHttpsErrors(() => {
    const deps = dependencies();
    return audited(deps.db, actor, 'cancelBatch', { target: batchIdOf(request.data) }, () => cancelBatchDomain(deps, request.data));
  });
});

export const getBatch = onCall({ ...runtimeOptions('getBatch'), secrets: [DATABASE_URL] }, async (request) => {
  requireRole(request.auth, 'viewer');
  return withHttpsErrors(() => getBatchDomain(dependencies(), request.data));
});

export const listBatches = onCall({ ...runtimeOptions('listBatches'), secrets: [DATABASE_URL] }, async (request) => {
  requireRole(request.auth, 'viewer');
  return withHttpsErrors(() => listBatchesDomain(dependencies(), request.data));
});

// Follows OpenAI Batch API jobs (mode "batch"): statuses, then the output downloaded once and applied.
export const pollOpenAIBatches = onSchedule(
  { ...runtimeOptions('pollOpenAIBatches'), schedule: 'every 1 minutes', secrets: [DATABASE_URL, OPENAI_API_KEY], timeoutSeconds: 300, retryCount: 0 },
  async () => {
    const result = await pollBatchApiJobs(dependencies());
    logger.info('batchApi.poll-pass', result);
  },
);
