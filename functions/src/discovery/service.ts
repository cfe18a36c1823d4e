import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { z } from 'zod';
import { InvalidInputError, UnavailableError } from '../shared/errors';
import { parseInput } from '../shared/validation';
import { AccessStats } from './accessStats';
import { cacheKey, parseCacheKey, resolveFeed } from './cacheKey';
import { NotCachedError, ProviderNotConfiguredError, UpstreamError } from './errors';
import type { Providers } from './providers';
import { discoveryStats } from './queries/discoveryStats';
import { recordDiscoveryRefreshError } from './queries/recordDiscoveryRefreshError';
import { acquireDiscoveryFillLease } from './queries/acquireDiscoveryFillLease';
import { getDiscoveryEntry } from './queries/getDiscoveryEntry';
import { listDiscoveryKeysByProvider } from './queries/listDiscoveryKeysByProvider';
import { listExpiredDiscoveryEntries } from './queries/listExpiredDiscoveryEntries';
import { purgeUnaccessedDiscoveryEntries } from './queries/purgeUnaccessedDiscoveryEntries';
import { releaseDiscoveryFillLease } from './queries/releaseDiscoveryFillLease';
import type { DiscoveryEntry } from './queries/types';
import { upsertDiscoveryEntry } from './queries/upsertDiscoveryEntry';
import { EXPIRED_REFRESH_BATCH, PURGE_AFTER_DAYS, scheduledKeys, TTL_HOURS } from './schedule';
import { ENDPOINTS, PROVIDERS, type DiscoveryItem, type Feed, type ProviderName } from './types';

export const CACHE_MODES = ['hybrid', 'api_only', 'db_only'] as const;
export type CacheMode = (typeof CACHE_MODES)[number];

export type DiscoveryServiceDeps = {
  db: Pool;
  providers: Providers;
  mode: CacheMode;
  log: (entry: Record<string, unknown>) => void;
  /** How long a miss waits for another instance filling the same key before serving stale. */
  lockTimeoutMs?: number;
  /** A fill lease left by an instance that died frees itself after this long (longer than any fill). */
  fillLeaseMs?: number;
  statsFlushIntervalMs?: number;
};

export type DiscoveryReply = {
  key: string;
  provider: ProviderName;
  endpoint: string;
  category: string | null;
  period: string | null;
  items: DiscoveryItem[];
  totalResults: number;
  /** Served from Postgres (true) or fetched from the provider for this read (false). */
  cached: boolean;
  /** Past its TTL: the provider could not be reached (or the mode forbids it). */
  stale: boolean;
  ageSeconds: number;
  updatedAt: string | null;
  expiresAt: string | null;
};

export type RefreshOutcome = { key: string; outcome: 'refreshed' | 'skipped' | 'failed' | 'unconfigured'; items?: number; error?: string };

export type RefreshSummary = { job: string; durationMs: number; refreshed: number; skipped: number; failed: number; unconfigured: number; items: number; outcomes: RefreshOutcome[] };

export const discoveryRequestSchema = z
  .object({
    provider: z.enum(PROVIDERS),
    endpoint: z.enum(ENDPOINTS),
    category: z.string().trim().toLowerCase().min(1).max(50).optional(),
    period: z.string().trim().toLowerCase().min(1).max(20).optional(),
  })
  .strict();

export type DiscoveryRequest = z.input<typeof discoveryRequestSchema>;

type Filled = { entry: DiscoveryEntry; fromUpstream: boolean };

/** Cache-aside reads, refreshes, purge and stats over `discovery_cache` (one per instance). */
export class DiscoveryService {
  private readonly flights = new Map<string, Promise<Filled>>();
  private readonly access: AccessStats;
  private readonly lockTimeoutMs: number;
  private readonly fillLeaseMs: number;

  constructor(private readonly deps: DiscoveryServiceDeps) {
    this.access = new AccessStats(deps.statsFlushIntervalMs ?? 30_000);
    this.lockTimeoutMs = deps.lockTimeoutMs ?? 15_000;
    this.fillLeaseMs = deps.fillLeaseMs ?? 120_000;
  }

  get mode(): CacheMode {
    return this.deps.mode;
  }

  /** Validates a client request against the provider's catalogue: defaults filled, bad fields named. */
  parseRequest(input: unknown): Feed {
    const request = parseInput(discoveryRequestSchema, input);
    return resolveFeed(this.deps.providers[request.provider].catalogue, request);
  }

  async get(input: unknown): Promise<DiscoveryReply> {
    const feed = this.parseRequest(input);
    try {
      return await this.read(feed);
    } finally {
      if (this.access.due()) await this.flushAccessStats().catch((error: unknown) => this.deps.log({ event: 'discovery.stats.flush_failed', error: String(error) }));
    }
  }

  private async read(feed: Feed): Promise<DiscoveryReply> {
    const key = cacheKey(feed);
    if (this.deps.mode === 'api_only') {
      const { items, totalResults } = await this.fetchUpstream(feed);
      return { ...describe(feed, key), items, totalResults, cached: false, stale: false, ageSeconds: 0, updatedAt: null, expiresAt: null };
    }

    const entry = await getDiscoveryEntry(this.deps.db, key);
    if (entry && (!entry.expired || this.deps.mode === 'db_only')) {
      this.access.record(key, 'hit');
      return reply(feed, key, entry, { cached: true, stale: entry.expired });
    }
    if (this.deps.mode === 'db_only') throw new NotCachedError(`${key} is not cached yet (CACHE_MODE=db_only never calls providers on reads)`);

    this.access.record(key, 'miss');
    try {
      const filled = await this.singleFlight(key, () => this.fill(feed, (fresh) => !fresh.expired));
      return reply(feed, key, filled.entry, { cached: !filled.fromUpstream, stale: false });
    } catch (error) {
      // Upstream down, rate limited, unconfigured, or another instance holding the key too long:
      // an old list beats an error.
      if (entry && isServableFailure(error)) {
        this.deps.log({ event: 'discovery.stale_served', key, ageSeconds: entry.age_seconds, reason: String(error) });
        return reply(feed, key, entry, { cached: true, stale: true });
      }
      throw error;
    }
  }

  /** Re-fetches one list now (cron, hourly expiry check, admin), unless someone refreshed it meanwhile. */
  async refresh(feed: Feed): Promise<RefreshOutcome> {
    const key = cacheKey(feed);
    if (!this.deps.providers[feed.provider].configured()) return { key, outcome: 'unconfigured' };
    try {
      const before = await getDiscoveryEntry(this.deps.db, key);
      const filled = await this.singleFlight(key, () => this.fill(feed, (row) => before !== undefined && row.updated_at.getTime() !== before.updated_at.getTime()));
      return { key, outcome: filled.fromUpstream ? 'refreshed' : 'skipped', items: filled.entry.data.length };
    } catch (error) {
      if (error instanceof ProviderNotConfiguredError) return { key, outcome: 'unconfigured' };
      const message = error instanceof Error ? error.message : String(error);
      await recordDiscoveryRefreshError(this.deps.db, key, message).catch(() => undefined);
      return { key, outcome: 'failed', error: message };
    }
  }

  /**
   * Refreshes lists provider by provider: each provider's lists one after another (its rate limit),
   * providers side by side, and one provider failing never stops the others.
   */
  async refreshFeeds(job: string, feeds: Feed[]): Promise<RefreshSummary> {
    const started = Date.now();
    const byProvider = new Map<ProviderName, Feed[]>();
    for (const feed of feeds) byProvider.set(feed.provider, [...(byProvider.get(feed.provider) ?? []), feed]);
    const settled = await Promise.allSettled(
      [...byProvider.entries()].map(async ([provider, list]) => {
        if (!this.deps.providers[provider].configured()) {
          // One line for the whole provider, not one error per list.
          this.deps.log({ event: 'discovery.refresh.unconfigured', job, provider, lists: list.length });
          return list.map((feed): RefreshOutcome => ({ key: cacheKey(feed), outcome: 'unconfigured' }));
        }
        const outcomes: RefreshOutcome[] = [];
        for (const feed of list) outcomes.push(await this.refresh(feed));
        return outcomes;
      }),
    );
    const outcomes = settled.flatMap((result) => (result.status === 'fulfilled' ? result.value : [{ key: '?', outcome: 'failed' as const, error: String(result.reason) }]));
    const count = (outcome: RefreshOutcome['outcome']) => outcomes.filter((o) => o.outcome === outcome).length;
    const summary: RefreshSummary = {
      job,
      durationMs: Date.now() - started,
      refreshed: count('refreshed'),
      skipped: count('skipped'),
      failed: count('failed'),
      unconfigured: count('unconfigured'),
      items: outcomes.reduce((sum, o) => sum + (o.items ?? 0), 0),
      outcomes,
    };
    this.deps.log({ event: 'discovery.refresh', ...summary, errors: outcomes.filter((o) => o.error).map((o) => `${o.key}: ${o.error}`) });
    return summary;
  }

  async refreshExpired(limit = EXPIRED_REFRESH_BATCH): Promise<RefreshSummary> {
    const keys = await listExpiredDiscoveryEntries(this.deps.db, limit);
    return this.refreshFeeds('expired', keys.map(parseCacheKey));
  }

  /** Admin "refresh now": one key, or every scheduled and cached list of one provider. */
  async refreshNow(target: { key?: string | undefined; provider?: ProviderName | undefined }): Promise<RefreshSummary> {
    if (target.key) {
      const parsed = parseCacheKey(target.key);
      const feed = resolveFeed(this.deps.providers[parsed.provider].catalogue, { ...parsed, category: parsed.category ?? undefined, period: parsed.period ?? undefined });
      if (cacheKey(feed) !== target.key) throw new InvalidInputError(`key: did you mean "${cacheKey(feed)}"?`);
      return this.refreshFeeds(`admin:${target.key}`, [feed]);
    }
    if (!target.provider) throw new InvalidInputError('request: give a key or a provider');
    const keys = new Set([...scheduledKeys(target.provider), ...(await listDiscoveryKeysByProvider(this.deps.db, target.provider))]);
    return this.refreshFeeds(`admin:${target.provider}`, [...keys].map(parseCacheKey));
  }

  async purge(days = PURGE_AFTER_DAYS): Promise<number> {
    const started = Date.now();
    await this.flushAccessStats();
    const deleted = await purgeUnaccessedDiscoveryEntries(this.deps.db, days);
    this.deps.log({ event: 'discovery.purge', deleted, days, durationMs: Date.now() - started });
    return deleted;
  }

  async stats() {
    // This instance's counts go in first; other instances' arrive at their next flush.
    await this.flushAccessStats();
    const rows = await discoveryStats(this.deps.db);
    const providers = Object.fromEntries(PROVIDERS.map((name) => [name, this.deps.providers[name].configured() ? 'configured' : 'unconfigured']));
    return {
      mode: this.deps.mode,
      providers,
      rows: rows.map((row) => ({
        ...row,
        oldestUpdate: row.oldestUpdate.toISOString(),
        newestUpdate: row.newestUpdate.toISOString(),
        hitRatio: row.fetches + row.misses === 0 ? null : row.fetches / (row.fetches + row.misses),
      })),
    };
  }

  flushAccessStats(): Promise<number> {
    return this.access.flush(this.deps.db);
  }

  /** In-process single-flight: concurrent callers for one key share one fill. */
  private singleFlight(key: string, work: () => Promise<Filled>): Promise<Filled> {
    let flight = this.flights.get(key);
    if (!flight) {
      flight = work().finally(() => this.flights.delete(key));
      this.flights.set(key, flight);
    }
    return flight;
  }

  /**
   * Across instances: whoever takes the key's fill lease re-reads the row and, unless another
   * instance already did the work (`doneByOther`), calls the provider and stores the list. Every
   * statement is its own round trip: no pooled connection is held across the upstream call or its
   * Retry-After sleeps, so misses cannot starve hits of connections. The others poll for the row
   * (backing off to 250 ms) until the lease frees or `lockTimeoutMs` runs out.
   */
  private async fill(feed: Feed, doneByOther: (row: DiscoveryEntry) => boolean): Promise<Filled> {
    const key = cacheKey(feed);
    const holder = randomUUID();
    const deadline = Date.now() + this.lockTimeoutMs;
    for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
      if (await acquireDiscoveryFillLease(this.deps.db, key, holder, this.fillLeaseMs)) {
        try {
          const current = await getDiscoveryEntry(this.deps.db, key);
          if (current && doneByOther(current)) return { entry: current, fromUpstream: false };
          const { items, totalResults } = await this.fetchUpstream(feed);
          const entry = await upsertDiscoveryEntry(this.deps.db, { ...feed, cacheKey: key, items, totalResults, ttlSeconds: TTL_HOURS[feed.endpoint] * 3600 });
          return { entry, fromUpstream: true };
        } finally {
          await releaseDiscoveryFillLease(this.deps.db, key, holder).catch((error: unknown) => this.deps.log({ event: 'discovery.lease.release_failed', key, error: String(error) }));
        }
      }
      const current = await getDiscoveryEntry(this.deps.db, key);
      if (current && doneByOther(current)) return { entry: current, fromUpstream: false };
      const left = deadline - Date.now();
      if (left <= 0) throw new UnavailableError(`${key} is being refreshed by another instance; try again shortly`);
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, left)));
    }
  }

  private async fetchUpstream(feed: Feed) {
    const started = Date.now();
    const result = await this.deps.providers[feed.provider].fetchFeed(feed);
    this.deps.log({ event: 'discovery.upstream', key: cacheKey(feed), items: result.items.length, durationMs: Date.now() - started });
    return result;
  }
}

function isServableFailure(error: unknown): boolean {
  return error instanceof UpstreamError || error instanceof ProviderNotConfiguredError || error instanceof UnavailableError;
}

function describe(feed: Feed, key: string) {
  return { key, provider: feed.provider, endpoint: feed.endpoint, category: feed.category, period: feed.period };
}

function reply(feed: Feed, key: string, entry: DiscoveryEntry, flags: { cached: boolean; stale: boolean }): DiscoveryReply {
  return {
    ...describe(feed, key),
    items: entry.data,
    totalResults: entry.total_results ?? entry.data.length,
    ...flags,
    ageSeconds: entry.age_seconds,
    updatedAt: entry.updated_at.toISOString(),
    expiresAt: entry.expires_at.toISOString(),
  };
}
