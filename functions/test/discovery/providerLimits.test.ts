import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { MemoryProviderLimits, PostgresProviderLimits } from '../../src/discovery/providerLimits';
import { createProviders } from '../../src/discovery/providers';
import { JIKAN_MIN_INTERVAL_MS } from '../../src/discovery/providers/jikan';
import type { Feed } from '../../src/discovery/types';
import { ProviderFixtures } from '../support/providerFixtures';
import { closeTestClients, testDb, testStack } from '../support/stack';

// Provider limits shared through Postgres: several instances (each its own pg pool, its own
// providers) together keep one provider's rate, honour one instance's 429 block, and share IGDB's
// token. Each test uses its own scope of limiter rows, so the shared stack's rows are untouched.

let fixtures: ProviderFixtures;
const pools: Pool[] = [];
beforeAll(async () => {
  fixtures = await ProviderFixtures.start();
});
beforeEach(() => fixtures.reset());
afterAll(async () => {
  await fixtures.close();
  await Promise.all(pools.map((pool) => pool.end()));
  await testDb().query(`DELETE FROM discovery_provider_limits WHERE limiter LIKE 'test-limits-%'`);
  await testDb().query(`DELETE FROM discovery_provider_tokens WHERE provider LIKE 'test-limits-%'`);
  await closeTestClients();
});

const feed = (provider: Feed['provider'], endpoint: Feed['endpoint'], category: string): Feed => ({ provider, endpoint, category, period: null });

/** N instances: separate pools and providers, one Postgres. */
function instances(n: number, scope: string) {
  return Array.from({ length: n }, () => {
    const pool = new Pool({ connectionString: testStack().databaseUrl, max: 2 });
    pools.push(pool);
    const shared = new PostgresProviderLimits(pool, scope);
    return createProviders(fixtures.providersConfig({ limits: shared, tokens: shared }));
  });
}

function gaps(service: string): number[] {
  const times = fixtures.calls.filter((c) => c.service === service).map((c) => c.at).sort((a, b) => a - b);
  return times.slice(1).map((t, i) => t - times[i]!);
}

describe('provider limits shared across instances', () => {
  test('3 instances asking Jikan at once stay at its spacing together; with per-instance limits they do not', async () => {
    const ask = (list: ReturnType<typeof createProviders>[]) =>
      Promise.all(list.flatMap((providers) => ['anime', 'manga', 'anime'].map((category) => providers.jikan.fetchFeed(feed('jikan', 'popular', category)))));

    await ask(instances(3, `test-limits-${randomBytes(4).toString('hex')}-`));
    const shared = gaps('jikan');
    expect(shared).toHaveLength(8);
    // Slots are spaced by Postgres' clock; each request then travels on its own (up to a few tens of
    // ms of jitter on a loaded machine), so single gaps may shrink a little, the rate not at all.
    for (const gap of shared) expect(gap).toBeGreaterThanOrEqual(JIKAN_MIN_INTERVAL_MS - 60);
    expect(shared.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(8 * JIKAN_MIN_INTERVAL_MS - 60);

    fixtures.reset();
    await ask(Array.from({ length: 3 }, () => createProviders(fixtures.providersConfig({ limits: new MemoryProviderLimits() }))));
    // Each instance spaces only its own requests: three go out together.
    expect(Math.min(...gaps('jikan'))).toBeLessThan(JIKAN_MIN_INTERVAL_MS / 2);
  });

  test("one instance's long Retry-After blocks the provider for all: the others fail fast without a request", async () => {
    const [a, b] = instances(2, `test-limits-${randomBytes(4).toString('hex')}-`);
    fixtures.fail('rawg', { kind: 'status', status: 429, headers: { 'retry-after': '120' } }, 1);
    await expect(a!.rawg.fetchFeed(feed('rawg', 'popular', 'game'))).rejects.toMatchObject({ failure: 'rate-limited', retryAfterSeconds: 120 });
    await expect(b!.rawg.fetchFeed(feed('rawg', 'upcoming', 'game'))).rejects.toMatchObject({ failure: 'rate-limited' });
    expect(fixtures.count('rawg')).toBe(1);
    // Other providers are not blocked.
    await expect(b!.tmdb.fetchFeed(feed('tmdb', 'popular', 'movie'))).resolves.toMatchObject({ totalResults: expect.any(Number) });
  });

  test("IGDB's Twitch token is fetched once for all instances and renewed once when revoked", async () => {
    const [a, b, c] = instances(3, `test-limits-${randomBytes(4).toString('hex')}-`);
    await a!.igdb.fetchFeed(feed('igdb', 'popular', 'game'));
    await Promise.all([b!.igdb.fetchFeed(feed('igdb', 'upcoming', 'game')), c!.igdb.fetchFeed(feed('igdb', 'trending', 'game'))]);
    expect(fixtures.count('twitch')).toBe(1);
    expect(new Set(fixtures.calls.filter((call) => call.service === 'igdb').map((call) => call.authorization))).toEqual(new Set(['Bearer token-1']));

    fixtures.revokeTokens();
    await b!.igdb.fetchFeed(feed('igdb', 'popular', 'game'));
    expect(fixtures.count('twitch')).toBe(2);
    // `c` still holds the revoked token in memory: one 401, then the shared new one, no third token.
    await c!.igdb.fetchFeed(feed('igdb', 'popular', 'game'));
    expect(fixtures.count('twitch')).toBe(2);
  });
});
