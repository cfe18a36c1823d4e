import { appCheckEnforced, runtimeOptions } from '../config/runtime';
import { logger } from 'firebase-functions';
import { HttpsError, onCall, onRequest, type FunctionsErrorCode } from 'firebase-functions/v2/https';
import { onSchedule, type ScheduleFunction } from 'firebase-functions/v2/scheduler';
import { z } from 'zod';
import { discoveryService } from '../config/discoveryDependencies';
import { getDatabase } from '../config/database';
import { dependencies } from '../config/dependencies';
import { rateLimiter } from '../config/rateLimiter';
import { withRoundTripReport } from '../config/roundTripTrace';
import { DATABASE_URL, DISCOVERY_FEED_PER_MINUTE, DISCOVERY_FEED_PROXY_HOPS, DISCOVERY_SECRETS, DISCOVERY_TIMEZONE, OPENAI_API_KEY } from '../config/params';
import { audited } from '../admin/audit';
import { requireAppCheck } from '../shared/appCheck';
import { requireRole, requireUid, toHttpsError } from '../shared/httpsErrors';
import { parseInput } from '../shared/validation';
import { NotCachedError, ProviderNotConfiguredError, UpstreamError } from './errors';
import { AddressBuckets, clientAddress, feedCacheControl, parseFeedQuery } from './feedLimits';
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

let feedBuckets: AddressBuckets | undefined;

/** Public GET for the same lists (no auth: they are public charts), cacheable by a CDN while fresh. */
export const discoveryFeed = onRequest({ ...options, ...runtimeOptions('discoveryFeed') }, async (request, response) => {
  if (request.method !== 'GET') {
    response.set('allow', 'GET').status(405).json({ error: { status: 'INVALID_ARGUMENT', message: 'Use GET.' } });
    return;
  }
  // Built first, sent after: the round-trip report (tests only) is a header.
  const reply = await withRoundTripReport({ headers: request.headers, res: response }, () => feedReply(request));
  response.status(reply.status).set(reply.headers).json(reply.body);
});

type FeedReply = { status: number; headers: Record<string, string>; body: unknown };

async function feedReply(request: { query: unknown; get(name: string): string | undefined; socket: { remoteAddress?: string } }): Promise<FeedReply> {
  try {
    // Refused before anything is read: a parameter the feed does not know only makes a new CDN key.
    const query = parseFeedQuery(request.query as Record<string, unknown>);
    feedBuckets ??= new AddressBuckets(DISCOVERY_FEED_PER_MINUTE.value());
    const address = clientAddress(request.get('x-forwarded-for'), request.socket.remoteAddress, DISCOVERY_FEED_PROXY_HOPS.value());
    const taken = feedBuckets.take(address);
    if (!taken.allowed) {
      return {
        status: 429,
        headers: { 'retry-after': String(taken.retryAfterSeconds), 'cache-control': 'no-store' },
        body: { error: { status: 'RESOURCE_EXHAUSTED', message: `Too many requests; retry in ${taken.retryAfterSeconds} s.` } },
      };
    }
    const reply = await discoveryService().get(query);
    return { status: 200, headers: { 'cache-control': feedCacheControl(reply) }, body: reply };
  } catch (error) {
    const httpsError = toDiscoveryHttpsError(error);
    return { status: HTTP_STATUS[httpsError.code] ?? 500, headers: { 'cache-control': 'no-store' }, body: { error: httpsError.toJSON() } };
  }
}

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
