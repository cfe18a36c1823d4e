import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import type { Queryable } from '../shared/postgres';
import { getGenerationStats } from '../generation/queries/getGenerationStats';
import { overviewCounters } from './queries/overviewCounters';
import { recordQueueDepthSample } from './queries/queueDepthSamples';
import { ROLLUP_HORIZON_DAYS } from './queries/rollUpGenerationHours';

/** The console's overview listens to this document; the backend rewrites it as work changes state. */
export const ADMIN_STATS_DOC = 'admin_stats/generation';

export type OverviewDeps = { db: Queryable; firestore: Firestore; tokenBudget: number; priceInPerMTok: number; priceOutPerMTok: number };

export type Overview = {
  computedAt: string;
  requestsByStatus: Record<string, number>;
  last24h: { attempts: number; done: number; failed: number; successRate: number | null; p50DurationMs: number | null; p95DurationMs: number | null; modelCalls: number };
  today: { tokensIn: number; tokensOut: number; tokens: number; tokenBudget: number; budgetUsed: number; costUsd: number };
  queue: { pending: number; running: number; deferred: number; oldestPendingAt: string | null };
  errorsLastHour: number;
  failingProviders: Array<{ provider: string; kind: 'generation' | 'discovery'; error: string; at: string }>;
};

export async function computeOverview(deps: OverviewDeps): Promise<Overview> {
  const [stats, counters] = await Promise.all([getGenerationStats(deps.db), overviewCounters(deps.db)]);
  const costUsd = (counters.tokensInToday * deps.priceInPerMTok + counters.tokensOutToday * deps.priceOutPerMTok) / 1_000_000;
  return {
    computedAt: new Date().toISOString(),
    requestsByStatus: stats.requestsByStatus,
    last24h: {
      attempts: stats.last24h.attempts, done: stats.last24h.done, failed: stats.last24h.failed, successRate: stats.last24h.successRate,
      p50DurationMs: stats.last24h.p50DurationMs, p95DurationMs: stats.last24h.p95DurationMs, modelCalls: stats.last24h.modelCalls,
    },
    today: {
      tokensIn: counters.tokensInToday, tokensOut: counters.tokensOutToday, tokens: stats.tokensToday, tokenBudget: deps.tokenBudget,
      budgetUsed: deps.tokenBudget > 0 ? stats.tokensToday / deps.tokenBudget : 0, costUsd: Math.round(costUsd * 1e6) / 1e6,
    },
    queue: { pending: counters.pending, running: counters.running, deferred: counters.deferred, oldestPendingAt: counters.oldestPendingAt?.toISOString() ?? null },
    errorsLastHour: counters.errorsLastHour,
    failingProviders: [
      ...counters.failingGenerators.map((g) => ({ provider: g.generator, kind: 'generation' as const, error: g.error, at: g.at.toISOString() })),
      ...counters.failingDiscovery.map((d) => ({ provider: d.provider, kind: 'discovery' as const, error: d.error, at: d.at.toISOString() })),
    ],
  };
}

/** The queue-depth chart's minute this instance last sampled: one sample write a minute at most. */
let sampledMinute = 0;

export async function publishOverview(deps: OverviewDeps): Promise<Overview> {
  const overview = await computeOverview(deps);
  const minute = Math.floor(Date.now() / 60_000);
  await Promise.all([
    deps.firestore.doc(ADMIN_STATS_DOC).set({ ...overview, updatedAt: FieldValue.serverTimestamp() }),
    minute !== sampledMinute ? recordQueueDepthSample(deps.db, overview.queue, ROLLUP_HORIZON_DAYS).then(() => { sampledMinute = minute; }) : undefined,
  ]);
  return overview;
}

/** One document, many writers: at most one rewrite per interval per instance (Firestore's ~1 write/s per doc). */
export const OVERVIEW_MIN_INTERVAL_MS = 2_000;
let lastPublishAt = 0;
let trailing: NodeJS.Timeout | undefined;

/**
 * Called after each status transition: publishes now if the last publish is old enough, else once at
 * the end of the interval, so the last change of a burst is never lost. Never throws.
 */
export async function noteGenerationActivity(deps: OverviewDeps): Promise<void> {
  const wait = lastPublishAt + OVERVIEW_MIN_INTERVAL_MS - Date.now();
  if (wait <= 0) {
    lastPublishAt = Date.now();
    await publishOverview(deps).catch(() => undefined);
    return;
  }
  trailing ??= setTimeout(() => {
    trailing = undefined;
    lastPublishAt = Date.now();
    void publishOverview(deps).catch(() => undefined);
  }, wait);
}
