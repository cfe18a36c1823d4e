import { z } from 'zod';
import type { Queryable } from '../shared/postgres';
import { parseInput } from '../shared/validation';
import { readDiscoveryAccessHours } from './queries/discoveryAccessHours';
import { readGenerationHours } from './queries/readGenerationHours';
import { readQueueDepth } from './queries/queueDepthSamples';
import { ROLLUP_HORIZON_DAYS, rollUpGenerationHours } from './queries/rollUpGenerationHours';

// The overview's time series: hourly runs by outcome and run times, daily tokens and cost against the
// budget, the discovery cache's hit ratio and the queue depth. Every read is a rollup or an index range
// bounded to the window (test/adminCharts.test.ts checks the plans).

export const OUTCOMES = ['done', 'retry', 'failed', 'deferred', 'lease-lost'] as const;

export const chartsInput = z.strictObject({
  /** Hourly series cover this many hours, the current one included. */
  hours: z.int().min(1).max(ROLLUP_HORIZON_DAYS * 24).default(48),
  /** Daily series cover this many UTC days, today included. */
  days: z.int().min(1).max(ROLLUP_HORIZON_DAYS).default(14),
});

const count = z.int().nonnegative();
export const chartsOutput = z.object({
  computedAt: z.string(),
  hourly: z.array(z.object({
    hour: z.string().describe('start of the UTC hour (ISO 8601)'),
    runs: z.record(z.enum(OUTCOMES), count).describe('generation runs (attempts) that ended in the hour, by outcome'),
    p50RunMs: z.number().nullable(), p95RunMs: z.number().nullable(),
    cacheHits: count, cacheMisses: count, cacheHitRatio: z.number().nullable().describe('discovery cache reads served from the cache'),
  })),
  daily: z.array(z.object({ day: z.string().describe('UTC day, YYYY-MM-DD'), tokensIn: count, tokensOut: count, tokens: count, costUsd: z.number() })),
  tokenBudget: count.describe('GLOBAL_DAILY_TOKEN_BUDGET: the daily line the tokens chart is drawn against'),
  queue: z.array(z.object({ at: z.string(), pending: count, running: count, deferred: count })).describe('one sample a minute, taken as the overview is published'),
});
export type Charts = z.infer<typeof chartsOutput>;

export type ChartsDeps = { db: Queryable; tokenBudget: number; priceInPerMTok: number; priceOutPerMTok: number };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export async function computeCharts(deps: ChartsDeps, input: unknown, now = new Date()): Promise<Charts> {
  const { hours, days } = parseInput(chartsInput, input ?? {});
  const firstHour = Math.floor(now.getTime() / HOUR) * HOUR - (hours - 1) * HOUR;
  const firstDay = Math.floor(now.getTime() / DAY) * DAY - (days - 1) * DAY;
  await rollUpGenerationHours(deps.db);
  const since = new Date(Math.min(firstHour, firstDay));
  const [generation, access, queue] = await Promise.all([
    readGenerationHours(deps.db, since),
    readDiscoveryAccessHours(deps.db, new Date(firstHour)),
    readQueueDepth(deps.db, new Date(firstHour)),
  ]);

  const hourly = Array.from({ length: hours }, (_, i) => ({
    hour: new Date(firstHour + i * HOUR).toISOString(),
    runs: Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<(typeof OUTCOMES)[number], number>,
    p50RunMs: null as number | null, p95RunMs: null as number | null,
    cacheHits: 0, cacheMisses: 0, cacheHitRatio: null as number | null,
  }));
  const daily = Array.from({ length: days }, (_, i) => ({ day: new Date(firstDay + i * DAY).toISOString().slice(0, 10), tokensIn: 0, tokensOut: 0, tokens: 0, costUsd: 0 }));
  for (const row of generation) {
    const h = hourly[(row.hour.getTime() - firstHour) / HOUR];
    if (h && (OUTCOMES as readonly string[]).includes(row.outcome)) h.runs[row.outcome as (typeof OUTCOMES)[number]] += row.attempts;
    if (h && row.outcome === 'done') {
      h.p50RunMs = row.p50Ms;
      h.p95RunMs = row.p95Ms;
    }
    const d = daily[Math.floor((row.hour.getTime() - firstDay) / DAY)];
    if (d && row.hour.getTime() >= firstDay) {
      d.tokensIn += row.tokensIn;
      d.tokensOut += row.tokensOut;
    }
  }
  for (const d of daily) {
    d.tokens = d.tokensIn + d.tokensOut;
    d.costUsd = Math.round(((d.tokensIn * deps.priceInPerMTok + d.tokensOut * deps.priceOutPerMTok) / 1_000_000) * 1e6) / 1e6;
  }
  for (const row of access) {
    const h = hourly[(row.hour.getTime() - firstHour) / HOUR];
    if (!h) continue;
    h.cacheHits = row.hits;
    h.cacheMisses = row.misses;
    h.cacheHitRatio = row.hits + row.misses > 0 ? row.hits / (row.hits + row.misses) : null;
  }
  return {
    computedAt: now.toISOString(),
    hourly,
    daily,
    tokenBudget: deps.tokenBudget,
    queue: queue.map((q) => ({ at: q.at.toISOString(), pending: q.pending, running: q.running, deferred: q.deferred })),
  };
}
