import { callFunction, signIn, signUp, triggerScheduled, type SignedIn } from '../support/client';
import { ProviderFixtures } from '../support/providerFixtures';
import { closeTestClients, testDb, testStack } from '../support/stack';

// Through the functions emulator: the deployed handlers, params pointing at the fixtures
// (test/support/globalSetup.mjs), auth, the HTTPS endpoint and scheduled triggers.

let fixtures: ProviderFixtures;
let player: SignedIn;
let admin: SignedIn;

beforeAll(async () => {
  fixtures = await ProviderFixtures.start(testStack().discoveryFixturePort);
  [player, admin] = await Promise.all([signUp(), signIn('admin@example.com', 'admin-password')]);
});
beforeEach(async () => {
  fixtures.reset();
  await testDb().query('DELETE FROM discovery_cache');
});
afterAll(async () => {
  await fixtures.close();
  // Provider blocks are shared by all instances through Postgres: lift the one this file caused.
  await testDb().query(`UPDATE discovery_provider_limits SET blocked_until = NULL WHERE limiter = 'rawg'`);
  await closeTestClients();
});

type Reply = { key: string; cached: boolean; stale: boolean; ageSeconds: number; items: Array<{ id: string; title: string }> };

describe('discovery functions', () => {
  test('getDiscovery: a signed-in player gets the list, fetched once then served from Postgres', async () => {
    const first = await callFunction<Reply>('getDiscovery', { provider: 'tmdb', endpoint: 'trending', category: 'tv', period: 'day' }, player);
    expect(first).toMatchObject({ ok: true, result: { key: 'tmdb:trending:tv:day', cached: false, stale: false } });
    const second = await callFunction<Reply>('getDiscovery', { provider: 'tmdb', endpoint: 'trending', category: 'tv', period: 'day' }, player);
    expect(second).toMatchObject({ ok: true, result: { cached: true, stale: false } });
    expect(second.ok && second.result.items[0]).toMatchObject({ id: 'tmdb:1001', title: 'Show 1 g1' });
    expect(fixtures.count('tmdb')).toBe(1);
  });

  test('getDiscovery: refuses the signed-out, names bad fields, and says unavailable when nothing is cached and the provider is down', async () => {
    expect(await callFunction('getDiscovery', { provider: 'tmdb', endpoint: 'trending' })).toMatchObject({ ok: false, status: 'UNAUTHENTICATED' });
    const bad = await callFunction('getDiscovery', { provider: 'tmdb', endpoint: 'trending', period: 'year' }, player);
    expect(bad).toMatchObject({ ok: false, status: 'INVALID_ARGUMENT', message: expect.stringContaining('period: tmdb trending takes week, day') });
    fixtures.fail('rawg', { kind: 'status', status: 503, headers: { 'retry-after': '3600' } });
    expect(await callFunction('getDiscovery', { provider: 'rawg', endpoint: 'upcoming' }, player)).toMatchObject({ ok: false, status: 'UNAVAILABLE' });
    expect(await testDb().query('SELECT 1 FROM discovery_cache')).toMatchObject({ rowCount: 0 });
  });

  test('discoveryFeed: GET answers the same reply with a cache header; bad input is a 400, other methods 405', async () => {
    const base = `${testStack().urls.functions}/discoveryFeed`;
    const response = await fetch(`${base}?provider=deezer&endpoint=charts&category=albums`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+, s-maxage=\d+$/);
    expect(await response.json()).toMatchObject({ key: 'deezer:charts:albums', cached: false, items: expect.arrayContaining([expect.objectContaining({ id: 'deezer:201' })]) });
    const again = (await (await fetch(`${base}?provider=deezer&endpoint=charts&category=albums`)).json()) as Reply;
    expect(again.cached).toBe(true);

    const bad = await fetch(`${base}?provider=deezer&endpoint=trending`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT' } });
    expect((await fetch(base, { method: 'POST' })).status).toBe(405);
  });

  test('admin callables: players are refused; admins get stats and refresh a provider now', async () => {
    expect(await callFunction('discoveryStats', {}, player)).toMatchObject({ ok: false, status: 'PERMISSION_DENIED' });
    expect(await callFunction('refreshDiscoveryNow', { provider: 'deezer' }, player)).toMatchObject({ ok: false, status: 'PERMISSION_DENIED' });
    expect(await callFunction('refreshDiscoveryNow', { provider: 'deezer', key: 'deezer:charts:tracks' }, admin)).toMatchObject({ ok: false, status: 'INVALID_ARGUMENT' });

    const refreshed = await callFunction<{ refreshed: number; failed: number }>('refreshDiscoveryNow', { provider: 'deezer' }, admin);
    expect(refreshed).toMatchObject({ ok: true, result: { refreshed: 3, failed: 0 } });
    const stats = await callFunction<{ mode: string; rows: Array<{ provider: string; endpoint: string; entries: number }> }>('discoveryStats', {}, admin);
    expect(stats).toMatchObject({ ok: true, result: { mode: 'hybrid', rows: [expect.objectContaining({ provider: 'deezer', endpoint: 'charts', entries: 3 })] } });
  });

  test('scheduled functions run through the emulator: a staggered refresh fills its lists, the purge removes old rows', async () => {
    expect(await triggerScheduled('discoveryRefresh-itunesCharts')).toBe(200);
    const { rows } = await testDb().query(`SELECT cache_key FROM discovery_cache ORDER BY cache_key`);
    expect(rows.map((r) => r.cache_key)).toEqual(['itunes:charts:albums', 'itunes:charts:songs']);
    expect(fixtures.count('itunes')).toBe(2);

    await testDb().query(`UPDATE discovery_cache SET last_accessed = now() - interval '120 days' WHERE cache_key = 'itunes:charts:songs'`);
    expect(await triggerScheduled('discoveryPurge')).toBe(200);
    const after = await testDb().query(`SELECT cache_key FROM discovery_cache`);
    expect(after.rows.map((r) => r.cache_key)).toEqual(['itunes:charts:albums']);
  });
});
