import { createProviders } from '../../src/discovery/providers';
import { EXPIRED_REFRESH_CRON, PURGE_CRON, REFRESH_SCHEDULE, TTL_HOURS } from '../../src/discovery/schedule';
import { DiscoveryService } from '../../src/discovery/service';
import { ProviderFixtures } from '../support/providerFixtures';
import { closeTestClients, testDb } from '../support/stack';

let fixtures: ProviderFixtures;
beforeAll(async () => {
  fixtures = await ProviderFixtures.start();
});
beforeEach(async () => {
  fixtures.reset();
  await testDb().query('DELETE FROM discovery_cache');
});
afterAll(async () => {
  await fixtures.close();
  await closeTestClients();
});

function newService(config = fixtures.providersConfig()) {
  const logs: Array<Record<string, unknown>> = [];
  const service = new DiscoveryService({ db: testDb(), providers: createProviders(config), mode: 'hybrid', log: (entry) => logs.push(entry) });
  return { service, logs };
}

async function keys(): Promise<string[]> {
  const { rows } = await testDb().query<{ cache_key: string }>('SELECT cache_key FROM discovery_cache ORDER BY cache_key');
  return rows.map((r) => r.cache_key);
}

const job = (id: string) => REFRESH_SCHEDULE.find((j) => j.id === id)!;

describe('discovery refresh, expiry and purge', () => {
  test("the schedule table carries seed 003's staggered times and TTLs", () => {
    const crons = Object.fromEntries(REFRESH_SCHEDULE.map((j) => [j.id, j.cron]));
    expect(crons).toEqual({
      tmdbTrending: '0 2 * * *',
      jikanTrending: '30 2 * * *',
      rawgTrending: '0 3 * * *',
      igdbTrending: '30 3 * * *',
      tmdbPopular: '0 3 * * *',
      jikanPopular: '30 3 * * *',
      rawgPopular: '0 4 * * *',
      igdbPopular: '30 4 * * *',
      deezerCharts: '0 4 * * *',
      itunesCharts: '30 4 * * *',
      tmdbUpcoming: '0 0,6,12,18 * * *',
      jikanUpcoming: '0 1,7,13,19 * * *',
      rawgUpcoming: '0 2,8,14,20 * * *',
      igdbUpcoming: '0 3,9,15,21 * * *',
    });
    expect(TTL_HOURS).toMatchObject({ trending: 24, popular: 24, charts: 24, upcoming: 6 });
    expect([EXPIRED_REFRESH_CRON, PURGE_CRON]).toEqual(['45 * * * *', '0 5 * * *']);
  });

  test('a scheduled job refreshes its lists and logs duration and counts', async () => {
    const { service, logs } = newService();
    const summary = await service.refreshFeeds('tmdbTrending', job('tmdbTrending').feeds);
    expect(summary).toMatchObject({ job: 'tmdbTrending', refreshed: 4, failed: 0, unconfigured: 0, items: 20 });
    expect(await keys()).toEqual(['tmdb:trending:movie:day', 'tmdb:trending:movie:week', 'tmdb:trending:tv:day', 'tmdb:trending:tv:week']);
    const line = logs.find((entry) => entry.event === 'discovery.refresh');
    expect(line).toMatchObject({ job: 'tmdbTrending', refreshed: 4, failed: 0, items: 20 });
    expect(typeof line?.durationMs).toBe('number');
  });

  test('one provider failing never stops the others, and an unconfigured one is reported once', async () => {
    const config = fixtures.providersConfig();
    const { service, logs } = newService({ ...config, rawg: { ...config.rawg, apiKey: 'none' } });
    fixtures.fail('jikan', { kind: 'status', status: 500, body: { status: 500, type: 'InternalException', message: 'Something went wrong', error: null } });
    fixtures.fail('tmdb', { kind: 'hang' }, 1);
    const feeds = [...job('tmdbUpcoming').feeds, ...job('jikanPopular').feeds, ...job('rawgPopular').feeds, ...job('deezerCharts').feeds];
    const summary = await service.refreshFeeds('mixed', feeds);
    expect(summary).toMatchObject({ refreshed: 4, failed: 3, unconfigured: 1 });
    expect(summary.outcomes.find((o) => o.key === 'tmdb:upcoming:movie')).toMatchObject({ outcome: 'failed', error: expect.stringContaining('no answer within 500 ms') });
    expect(await keys()).toEqual(['deezer:charts:albums', 'deezer:charts:artists', 'deezer:charts:tracks', 'tmdb:upcoming:tv']);
    expect(fixtures.count('rawg')).toBe(0);
    expect(logs.filter((entry) => entry.event === 'discovery.refresh.unconfigured')).toEqual([{ event: 'discovery.refresh.unconfigured', job: 'mixed', provider: 'rawg', lists: 1 }]);
  });

  test('the hourly check refreshes exactly the rows whose expiry has passed', async () => {
    const { service } = newService();
    await service.refreshFeeds('charts', [...job('deezerCharts').feeds, ...job('itunesCharts').feeds]);
    await testDb().query(`UPDATE discovery_cache SET expires_at = now() - interval '1 second' WHERE cache_key IN ('deezer:charts:albums', 'itunes:charts:songs')`);
    fixtures.reset();
    fixtures.generation = 2;
    const summary = await service.refreshExpired();
    expect(summary.outcomes.map((o) => [o.key, o.outcome]).sort()).toEqual([
      ['deezer:charts:albums', 'refreshed'],
      ['itunes:charts:songs', 'refreshed'],
    ]);
    expect(fixtures.calls).toHaveLength(2);
    const { rows } = await testDb().query(`SELECT cache_key, refresh_count, expires_at > now() AS fresh, data->0->>'title' AS first FROM discovery_cache ORDER BY cache_key`);
    expect(rows.filter((r) => r.refresh_count === 1).map((r) => r.cache_key)).toEqual(['deezer:charts:albums', 'itunes:charts:songs']);
    expect(rows.every((r) => r.fresh)).toBe(true);
    expect(rows.find((r) => r.cache_key === 'itunes:charts:songs').first).toBe('Song 1 g2');
  });

  test('the purge deletes rows not accessed for 90 days and keeps the rest', async () => {
    const { service } = newService();
    await service.refreshFeeds('charts', job('deezerCharts').feeds);
    await testDb().query(`UPDATE discovery_cache SET last_accessed = now() - interval '91 days' WHERE cache_key = 'deezer:charts:albums'`);
    await testDb().query(`UPDATE discovery_cache SET last_accessed = now() - interval '89 days' WHERE cache_key = 'deezer:charts:artists'`);
    expect(await service.purge()).toBe(1);
    expect(await keys()).toEqual(['deezer:charts:artists', 'deezer:charts:tracks']);
  });

  test('a read the purge has not seen yet still protects its row: pending hits are flushed first', async () => {
    const { service } = newService();
    await service.get({ provider: 'deezer', endpoint: 'charts', category: 'artists' });
    await testDb().query(`UPDATE discovery_cache SET last_accessed = now() - interval '100 days'`);
    await service.get({ provider: 'deezer', endpoint: 'charts', category: 'artists' });
    expect(await service.purge()).toBe(0);
    expect(await keys()).toEqual(['deezer:charts:artists']);
  });

  test('admin refresh-now by key validates it; by provider it covers scheduled and cached lists', async () => {
    const { service } = newService();
    await expect(service.refreshNow({ key: 'tmdb:trending:book' })).rejects.toThrow('category: tmdb trending takes movie, tv');
    await service.get({ provider: 'jikan', endpoint: 'schedule', category: 'monday' });
    const summary = await service.refreshNow({ provider: 'jikan' });
    expect(summary.outcomes.map((o) => o.key).sort()).toEqual(['jikan:popular:anime', 'jikan:popular:manga', 'jikan:schedule:monday', 'jikan:trending:anime', 'jikan:trending:manga', 'jikan:upcoming:anime']);
    expect(summary.refreshed).toBe(6);
  });

  test('stats report per provider and endpoint, with a hit ratio', async () => {
    const { service } = newService();
    for (let i = 0; i < 3; i += 1) await service.get({ provider: 'itunes', endpoint: 'charts' });
    const stats = await service.stats();
    expect(stats.mode).toBe('hybrid');
    expect(stats.providers).toMatchObject({ tmdb: 'configured', itunes: 'configured' });
    expect(stats.rows).toEqual([
      expect.objectContaining({ provider: 'itunes', endpoint: 'charts', entries: 1, fetches: 2, misses: 1, refreshes: 0, expired: 0, hitRatio: 2 / 3 }),
    ]);
  });
});
