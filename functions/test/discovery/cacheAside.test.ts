import { Pool } from 'pg';
import { NotCachedError, UpstreamError } from '../../src/discovery/errors';
import { createProviders } from '../../src/discovery/providers';
import { DiscoveryService, type CacheMode } from '../../src/discovery/service';
import { InvalidInputError } from '../../src/shared/errors';
import { ProviderFixtures } from '../support/providerFixtures';
import { closeTestClients, testDb, testStack } from '../support/stack';

let fixtures: ProviderFixtures;
const extraPools: Pool[] = [];
beforeAll(async () => {
  fixtures = await ProviderFixtures.start();
});
beforeEach(async () => {
  fixtures.reset();
  await testDb().query('DELETE FROM discovery_cache');
});
afterAll(async () => {
  await fixtures.close();
  await Promise.all(extraPools.map((pool) => pool.end()));
  await closeTestClients();
});

function newService(mode: CacheMode = 'hybrid', db: Pool = testDb()) {
  const logs: Array<Record<string, unknown>> = [];
  const service = new DiscoveryService({ db, providers: createProviders(fixtures.providersConfig()), mode, log: (entry) => logs.push(entry), statsFlushIntervalMs: 60_000 });
  return { service, logs };
}

const trending = { provider: 'tmdb', endpoint: 'trending', category: 'movie', period: 'week' };

async function row(key: string) {
  const { rows } = await testDb().query('SELECT * FROM discovery_cache WHERE cache_key = $1', [key]);
  return rows[0];
}

async function expire(key: string) {
  await testDb().query(`UPDATE discovery_cache SET expires_at = now() - interval '1 minute', updated_at = now() - interval '25 hours' WHERE cache_key = $1`, [key]);
}

describe('discovery cache-aside reads', () => {
  test('hybrid: a miss fetches and stores the list; the next read is a hit that calls nobody', async () => {
    const { service } = newService();
    const first = await service.get(trending);
    expect(first).toMatchObject({ key: 'tmdb:trending:movie:week', cached: false, stale: false, ageSeconds: 0, totalResults: 10_000 });
    expect(first.items[0]).toMatchObject({ id: 'tmdb:1001', title: 'Movie 1 g1' });
    const stored = await row('tmdb:trending:movie:week');
    expect(stored).toMatchObject({ provider: 'tmdb', endpoint: 'trending', category: 'movie', period: 'week', total_results: 10_000, refresh_count: 0 });
    expect(stored.expires_at.getTime() - stored.updated_at.getTime()).toBe(24 * 3600 * 1000);

    await testDb().query(`UPDATE discovery_cache SET updated_at = now() - interval '90 seconds'`);
    const second = await service.get(trending);
    expect(second).toMatchObject({ cached: true, stale: false, items: first.items });
    expect(second.ageSeconds).toBeGreaterThanOrEqual(90);
    expect(fixtures.count('tmdb')).toBe(1);
  });

  test('defaults come from the provider catalogue, and bad fields are named', async () => {
    const { service } = newService();
    expect((await service.get({ provider: 'jikan', endpoint: 'upcoming' })).key).toBe('jikan:upcoming:anime');
    const bad = [
      [{ provider: 'tmdb', endpoint: 'charts' }, 'endpoint: tmdb serves trending, popular, upcoming, not "charts"'],
      [{ provider: 'tmdb', endpoint: 'trending', category: 'book' }, 'category: tmdb trending takes movie, tv, not "book"'],
      [{ provider: 'deezer', endpoint: 'charts', period: 'week' }, 'period: deezer charts takes no period'],
      [{ provider: 'myspace', endpoint: 'charts' }, 'provider:'],
      [{ provider: 'tmdb', endpoint: 'popular', extra: 1 }, 'unknown field(s) extra'],
    ] as const;
    for (const [input, message] of bad) {
      const error = await service.get(input).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toContain(message);
    }
    expect(fixtures.count('tmdb')).toBe(0);
  });

  test('hybrid: an expired row is fetched again and replaced, counting one refresh', async () => {
    const { service } = newService();
    await service.get(trending);
    await expire('tmdb:trending:movie:week');
    fixtures.generation = 2;
    const reply = await service.get(trending);
    expect(reply).toMatchObject({ cached: false, stale: false });
    expect(reply.items[0]!.title).toBe('Movie 1 g2');
    expect(await row('tmdb:trending:movie:week')).toMatchObject({ refresh_count: 1 });
    expect(fixtures.count('tmdb')).toBe(2);
  });

  test.each([
    ['a 500', { kind: 'status', status: 500, body: { status_code: 11, status_message: 'Internal error: Something went wrong.' } }],
    ['a timeout', { kind: 'hang' }],
    ['malformed JSON', { kind: 'malformed' }],
    ['a 429 with a long Retry-After', { kind: 'status', status: 429, headers: { 'retry-after': '600' } }],
  ] as const)('hybrid: when the provider answers %s, the expired row is served marked stale', async (_, fault) => {
    const { service, logs } = newService();
    await service.get(trending);
    await expire('tmdb:trending:movie:week');
    fixtures.fail('tmdb', fault);
    const reply = await service.get(trending);
    expect(reply).toMatchObject({ cached: true, stale: true });
    expect(reply.ageSeconds).toBeGreaterThanOrEqual(25 * 3600);
    expect(reply.items[0]!.title).toBe('Movie 1 g1');
    expect(logs.some((entry) => entry.event === 'discovery.stale_served')).toBe(true);
  });

  test('hybrid: with nothing cached and the provider down, the read fails as unavailable upstream', async () => {
    const { service } = newService();
    fixtures.fail('rawg', { kind: 'status', status: 502, body: 'Bad gateway' });
    await expect(service.get({ provider: 'rawg', endpoint: 'popular' })).rejects.toBeInstanceOf(UpstreamError);
    expect(await row('rawg:popular:game')).toBeUndefined();
  });

  test('api_only: every read goes to the provider and Postgres is neither read nor written', async () => {
    const { service } = newService('api_only');
    await testDb().query(
      `INSERT INTO discovery_cache (cache_key, provider, endpoint, category, data, expires_at) VALUES ('deezer:charts:tracks', 'deezer', 'charts', 'tracks', '[]', now() + interval '1 day')`,
    );
    const reply = await service.get({ provider: 'deezer', endpoint: 'charts' });
    await service.get({ provider: 'deezer', endpoint: 'charts' });
    expect(reply).toMatchObject({ cached: false, stale: false, ageSeconds: 0 });
    expect(reply.items).toHaveLength(5);
    expect(fixtures.count('deezer')).toBe(2);
    expect(await row('deezer:charts:tracks')).toMatchObject({ data: [], refresh_count: 0 });
  });

  test('db_only: reads never call the provider; an expired row is served stale, a missing one is not found', async () => {
    await newService('hybrid').service.get({ provider: 'itunes', endpoint: 'charts', category: 'albums' });
    await expire('itunes:charts:albums');
    fixtures.reset();
    const { service } = newService('db_only');
    const reply = await service.get({ provider: 'itunes', endpoint: 'charts', category: 'albums' });
    expect(reply).toMatchObject({ cached: true, stale: true });
    expect(reply.items).toHaveLength(5);
    await expect(service.get({ provider: 'itunes', endpoint: 'charts', category: 'songs' })).rejects.toBeInstanceOf(NotCachedError);
    expect(fixtures.calls).toHaveLength(0);
  });

  test('200 concurrent misses of one key make one upstream call, and all get the same list', async () => {
    const { service } = newService();
    fixtures.delay('tmdb', 200);
    const replies = await Promise.all(Array.from({ length: 200 }, () => service.get(trending)));
    expect(fixtures.count('tmdb')).toBe(1);
    expect(new Set(replies.map((r) => JSON.stringify(r.items))).size).toBe(1);
    expect(replies.every((r) => !r.stale)).toBe(true);
  });

  test('two instances (separate pools) missing one key together make one upstream call: the fill lease', async () => {
    const otherPool = new Pool({ connectionString: testStack().databaseUrl, max: 5 });
    extraPools.push(otherPool);
    const a = newService('hybrid').service;
    const b = newService('hybrid', otherPool).service;
    fixtures.delay('jikan', 300);
    const input = { provider: 'jikan', endpoint: 'popular', category: 'manga' };
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).get(input)));
    expect(fixtures.count('jikan')).toBe(1);
    // One instance fetched; the other waited for the lease and then read what it stored.
    expect(new Set(replies.map((r) => r.cached))).toEqual(new Set([false, true]));
    expect(new Set(replies.map((r) => JSON.stringify(r.items))).size).toBe(1);
  });

  test('misses hold no connection across the upstream call: with 2 connections and 6 slow misses, a hit is served at once', async () => {
    const small = new Pool({ connectionString: testStack().databaseUrl, max: 2 });
    extraPools.push(small);
    const service = new DiscoveryService({ db: small, providers: createProviders({ ...fixtures.providersConfig(), timeoutMs: 5_000 }), mode: 'hybrid', log: () => {} });
    const hitKey = { provider: 'deezer', endpoint: 'charts', category: 'tracks' };
    await service.get(hitKey);
    fixtures.delay('tmdb', 1_000);
    const keys = [['trending', 'movie', 'week'], ['trending', 'movie', 'day'], ['trending', 'tv', 'week'], ['trending', 'tv', 'day'], ['popular', 'movie'], ['popular', 'tv']];
    const misses = Promise.all(keys.map(([endpoint, category, period]) => service.get({ provider: 'tmdb', endpoint, category, ...(period ? { period } : {}) })));
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = Date.now();
    await expect(service.get(hitKey)).resolves.toMatchObject({ cached: true, stale: false });
    const hitMs = Date.now() - started;
    const replies = await misses;
    expect(replies.every((r) => !r.cached && !r.stale)).toBe(true);
    expect(fixtures.count('tmdb')).toBe(6);
    // Holding a connection per miss for the upstream call, the hit would wait for the first miss to end (~850 ms).
    expect(hitMs).toBeLessThan(400);
    const leases = await testDb().query('SELECT count(*)::int AS n FROM discovery_fill_leases');
    expect(leases.rows[0].n).toBe(0);
  });

  test('a lease left by an instance that died is waited for, then taken over once it expires', async () => {
    const input = { provider: 'jikan', endpoint: 'upcoming', category: 'anime' };
    const key = 'jikan:upcoming:anime';
    await testDb().query(`INSERT INTO discovery_fill_leases (cache_key, holder, expires_at) VALUES ($1, gen_random_uuid(), clock_timestamp() + interval '1 second')`, [key]);
    const patient = new DiscoveryService({ db: testDb(), providers: createProviders(fixtures.providersConfig()), mode: 'hybrid', log: () => {}, lockTimeoutMs: 5_000 });
    const started = Date.now();
    await expect(patient.get(input)).resolves.toMatchObject({ cached: false, stale: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fixtures.count('jikan')).toBe(1);

    // A live lease outlasting the wait: the read gives up as unavailable (or serves stale when a row exists).
    await expire(key);
    await testDb().query(`INSERT INTO discovery_fill_leases (cache_key, holder, expires_at) VALUES ($1, gen_random_uuid(), clock_timestamp() + interval '1 minute')`, [key]);
    const hasty = new DiscoveryService({ db: testDb(), providers: createProviders(fixtures.providersConfig()), mode: 'hybrid', log: () => {}, lockTimeoutMs: 300 });
    await expect(hasty.get(input)).resolves.toMatchObject({ cached: true, stale: true });
    expect(fixtures.count('jikan')).toBe(1);
    await testDb().query('DELETE FROM discovery_fill_leases WHERE cache_key = $1', [key]);
  });

  test('a hit writes nothing: hits and misses are counted in memory and flushed in one batched UPDATE', async () => {
    const { service } = newService();
    await service.get(trending);
    await service.get({ provider: 'tmdb', endpoint: 'popular', category: 'tv' });
    await testDb().query(`UPDATE discovery_cache SET last_accessed = now() - interval '10 days'`);
    for (let i = 0; i < 50; i += 1) await service.get(trending);
    await service.get({ provider: 'tmdb', endpoint: 'popular', category: 'tv' });
    expect(await row('tmdb:trending:movie:week')).toMatchObject({ fetch_count: 0, miss_count: 0 });

    expect(await service.flushAccessStats()).toBe(2);
    const flushed = await row('tmdb:trending:movie:week');
    expect(flushed).toMatchObject({ fetch_count: 50, miss_count: 1 });
    expect(Date.now() - flushed.last_accessed.getTime()).toBeLessThan(60_000);
    expect(await row('tmdb:popular:tv')).toMatchObject({ fetch_count: 1, miss_count: 1 });
  });
});
