import { onCall } from 'firebase-functions/v2/https';
import { dependencies } from '../config/dependencies';
import { DATABASE_URL } from '../config/params';
import { requireAdmin, withHttpsErrors } from '../shared/httpsErrors';
import { createBatch as createBatchDomain } from './createBatch';
import { getBatch as getBatchDomain, listBatches as listBatchesDomain } from './readBatches';
import { cancelBatch as cancelBatchDomain, startBatch as startBatchDomain } from './startBatch';

type Auth = { uid?: string; token?: Record<string, unknown> } | undefined;

function actorOf(auth: Auth) {
  const uid = requireAdmin(auth);
  const email = typeof auth?.token?.['email'] === 'string' ? (auth.token['email'] as string) : undefined;
  return { uid, ...(email ? { email } : {}) };
}

export const createBatch = onCall({ secrets: [DATABASE_URL], timeoutSeconds: 120 }, async (request) => {
  const actor = actorOf(request.auth);
  return withHttpsErrors(() => createBatchDomain(dependencies(), actor, request.data));
});

// Accepting 5,000 pools takes a while; a start cut short resumes where it stopped when called again.
export const startBatch = onCall({ secrets: [DATABASE_URL], timeoutSeconds: 540, memory: '512MiB' }, async (request) => {
  actorOf(request.auth);
  return withHttpsErrors(() => startBatchDomain(dependencies(), request.data));
});

export const cancelBatch = onCall({ secrets: [DATABASE_URL], timeoutSeconds: 120 }, async (request) => {
  actorOf(request.auth);
  return withHttpsErrors(() => cancelBatchDomain(dependencies(), request.data));
});

export const getBatch = onCall({ secrets: [DATABASE_URL] }, async (request) => {
  requireAdmin(request.auth);
  return withHttpsErrors(() => getBatchDomain(dependencies(), request.data));
});

export const listBatches = onCall({ secrets: [DATABASE_URL] }, async (request) => {
  requireAdmin(request.auth);
  return withHttpsErrors(() => listBatchesDomain(dependencies(), request.data));
});
