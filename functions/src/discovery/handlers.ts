import { appCheckEnforced, runtimeOptions } from '../config/runtime';
import { logger } from 'firebase-functions';
import { HttpsError, onCall, onRequest, type FunctionsErrorCode } from 'firebase-functions/v2/https';
import { onSchedule, type ScheduleFunction } from 'firebase-functions/v2/scheduler';
import { z } from 'zod';
import { discoveryService } from '../config/discoveryDependencies';
import { getDatabase } from '../config/database';
import { dependencies } from '../config/dependencies';
import { rateLimiter } from '../config/rateLimiter';
import { DATABASE_URL, DISCOVERY_SECRETS, DISCOVERY_TIMEZONE, OPENAI_API_KEY } from '../config/params';
import { audited } from '../admin/audit';
import { requireAppCheck } from '../shared/appCheck';
import { requireRole, requireUid, toHttpsError } from '../shared/httpsErrors';
import { parseInput } from '../shared/validation';
import { NotCachedError, ProviderNotConfiguredError, UpstreamError } from './errors';
import { EXPIRED_REFRESH_CRON, PURGE_CRON, REFRESH_SCHEDULE } from './schedule';
import { PROVIDERS } from './types';
import { queueTrendingThemes } from './trending/queueTrendingThemes';

function toDiscoveryHttpsError(error: unknown): HttpsError {
  if (error instanceof UpstreamError) {
    return new HttpsError('unavailable', `${error.message}; nothing cached to fall back on`, { provider: error.provider, retryAfterSeconds: error.retryAfterSeconds });
  }
  if (error instanceof ProviderNotConfiguredError) return new HttpsError('failed-precondition', error.message, { provider: error.provider });
  if (error instanceof NotCachedError) return new HttpsError('not-found', error.message);
  return toHttpsError(error);
}

async function withDiscoveryErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toDiscoveryHttpsError(error);
  }
}

const options = { secrets: DISCOVERY_SECRETS };

export const getDiscovery = onCall({ ...options, ...runtimeOptions('getDiscovery'), enforceAppCheck: appCheckEnforced() }, async (request) => {
  requireAppCheck(request.app, appCheckEnforced());
  const uid = requireUid(request.auth);
  return withDiscoveryErrors(async () => {
    await rateLimiter().take(uid, 'discovery');
    return discoveryService().get(request.data);
  });
});

const HTTP_STATUS: Partial<Record<FunctionsErrorCode, number>> = {
  'invalid-argument': 400,
  'failed-precondition': 412,
  'not-found': 404,
  unavailable: 503,
};

/** Public GET for the same lists (no auth: they are public charts), cacheable by a CDN while fresh. */
export const discoveryFeed = onRequest({ ...options, ...runtimeOptions('discoveryFeed') }, async (request, response) => {
  if (request.method !== 'GET') {
    response.set('allow', 'GET').status(405).json({ error: { status: 'INVALID_ARGUMENT', message: 'Use GET.' } });
    return;
  }
  try {
    const { provider, endpoint, category, period } = request.query;
    const reply = await discoveryService().get({ provider, endpoint, category, period });
    const maxAge = reply.stale || !reply.expiresAt ? 0 : Math.min(300, Math.max(0, Math.floor((Date.parse(reply.expiresAt) - Date.now()) / 1000)));
    response.set('cache-control', maxAge > 0 ? `public, max-age=${maxAge}` : 'no-store').json(reply);
  } catch (error) {
    const httpsError = toDiscoveryHttpsError(error);
    response.status(HTTP_STATUS[httpsError.code] ?? 500).json({ error: httpsError.toJSON() });
  }
});

export const discoveryStats = onCall({ ...options, ...runtimeOptions('discoveryStats') }, async (request) => {
  requireRole(request.auth, 'viewer');
  return withDiscoveryErrors(() => discoveryService().stats());
});

const refreshNowSchema = z
  .object({ key: z.string().min(3).max(255).optional(), provider: z.enum(PROVIDERS).optional() })
  .strict()
  .refine((input) => (input.key === undefined) !== (input.provider === undefined), { message: 'give exactly one of key or provider' });

export const refreshDiscoveryNow = onCall({ ...options, ...runtimeOptions('refreshDiscoveryNow'), timeoutSeconds: 300 }, async (request) => {
  const actor = requireRole(request.auth, 'admin');
  return withDiscoveryErrors(async () => {
    const target = parseInput(refreshNowSchema, request.data);
    return audited(getDatabase(), actor, 'refreshDiscoveryNow', { target: target.key ?? target.provider, params: target }, async () => {
      const { outcomes, ...summary } = await discoveryService().refreshNow(target);
      return { ...summary, outcomes };
    });
  });
});

const scheduled = { secrets: DISCOVERY_SECRETS, timeZone: DISCOVERY_TIMEZONE, timeoutSeconds: 540, retryCount: 0 };

/** One scheduled function per row of the schedule table, deployed as `discoveryRefresh-<id>`. */
export const discoveryRefresh: Record<string, ScheduleFunction> = Object.fromEntries(
  REFRESH_SCHEDULE.map((job) => [
    job.id,
    onSchedule({ ...scheduled, ...runtimeOptions(`discoveryRefresh-${job.id}`), schedule: job.cron }, async () => {
      const summary = await discoveryService().refreshFeeds(job.id, job.feeds);
      if (summary.failed > 0) logger.warn('discovery refresh had failures', { job: job.id, failed: summary.failed });
    }),
  ]),
);

export const discoveryRefreshExpired = onSchedule({ ...scheduled, ...runtimeOptions('discoveryRefreshExpired'), schedule: EXPIRED_REFRESH_CRON }, async () => {
  await discoveryService().refreshExpired();
});

export const discoveryPurge = onSchedule({ ...scheduled, ...runtimeOptions('discoveryPurge'), schedule: PURGE_CRON }, async () => {
  await discoveryService().purge();
});

/** Mondays after the night's refreshes: this week's trending lists become themed question pools. */
export const trendingThemes = onSchedule(
  { ...runtimeOptions('trendingThemes'), secrets: [DATABASE_URL, OPENAI_API_KEY], timeZone: DISCOVERY_TIMEZONE, schedule: '0 6 * * 1', timeoutSeconds: 300, retryCount: 1 },
  async () => {
    const { queued, skipped } = await queueTrendingThemes(dependencies());
    logger.info('discovery.trendingThemes', { queued: queued.length, created: queued.filter((q) => q.created).length, skipped });
  },
);
