// Discovery cache: hits served from Postgres beside a provider answering in 200 ms, upstream calls
// for a storm of concurrent misses, and the hit ratio of a replayed access pattern.
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { functionsDir } from '../scripts/lib/paths.mjs';

export const name = 'discovery';
export const description = 'discovery cache: hit latency, miss storms, hit ratio (built functions/lib against the bench Postgres)';

const require = createRequire(path.join(functionsDir, 'package.json'));
const UPSTREAM_DELAY_MS = 200;

/** A provider stand-in answering TMDB, Deezer and iTunes shapes after 200 ms. */
async function startUpstream() {
  const counts = { calls: 0 };
  const items = Array.from({ length: 20 }, (_, i) => i + 1);
  const server = http.createServer((request, response) => {
    counts.calls += 1;
    setTimeout(() => {
      const url = request.url ?? '';
      let body;
      if (url.startsWith('/tmdb')) {
        body = { page: 1, total_results: 10_000, results: items.map((i) => ({ id: i, title: `Movie ${i}`, poster_path: `/p${i}.jpg`, release_date: '2024-05-01', vote_average: 7.5 })) };
      } else if (url.startsWith('/deezer')) {
        body = { total: 20, data: items.map((i) => ({ id: i, title: `Track ${i}`, position: i, link: `https://www.deezer.com/track/${i}`, artist: { name: `Artist ${i}` } })) };
      } else {
        body = { feed: { results: items.map((i) => ({ id: String(i), name: `Song ${i}`, artistName: `Singer ${i}`, releaseDate: '2024-10-01' })) } };
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    }, UPSTREAM_DELAY_MS);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, counts, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Deterministic Zipf-like picks over the keys (popular lists are asked for far more often). */
function accessPattern(keys, count, seed = 42) {
  let state = seed;
  const random = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const weights = keys.map((_, i) => 1 / (i + 1) ** 1.1);
  const total = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length: count }, () => {
    let r = random() * total;
    for (let i = 0; i < keys.length; i += 1) if ((r -= weights[i]) <= 0) return keys[i];
    return keys.at(-1);
  });
}

export async function run({ stack, log }) {
  const { Pool } = require('pg');
  const { DiscoveryService } = require('./lib/discovery/service.js');
  const { createProviders } = require('./lib/discovery/providers/index.js');
  const upstream = await startUpstream();
  const pools = [];
  const makeService = (mode) => {
    const db = new Pool({ connectionString: stack.databaseUrl, max: 10 });
    pools.push(db);
    const providers = createProviders({
      timeoutMs: 5000,
      maxRetryAfterSeconds: 2,
      tmdb: { baseUrl: `${upstream.origin}/tmdb`, apiToken: 'bench' },
      jikan: { baseUrl: `${upstream.origin}/jikan` },
      rawg: { baseUrl: `${upstream.origin}/rawg`, apiKey: 'bench' },
      igdb: { baseUrl: `${upstream.origin}/igdb`, tokenUrl: `${upstream.origin}/twitch`, clientId: 'bench', clientSecret: 'bench' },
      deezer: { baseUrl: `${upstream.origin}/deezer` },
      itunes: { baseUrl: `${upstream.origin}/itunes`, country: 'us' },
    });
    return new DiscoveryService({ db, providers, mode, log: () => {}, statsFlushIntervalMs: 30_000 });
  };
  const figures = [];
  try {
    const setup = new Pool({ connectionString: stack.databaseUrl, max: 1 });
    pools.push(setup);
    await setup.query('DELETE FROM discovery_cache');

    // 1. Hit latency from Postgres vs. the provider itself.
    const hybrid = makeService('hybrid');
    const apiOnly = makeService('api_only');
    const key = { provider: 'tmdb', endpoint: 'trending', category: 'movie', period: 'week' };
    const upstreamTimes = [];
    for (let i = 0; i < 10; i += 1) {
      const started = process.hrtime.bigint();
      await apiOnly.get(key);
      upstreamTimes.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    await hybrid.get(key);
    for (let i = 0; i < 200; i += 1) await hybrid.get(key);
    const hitTimes = [];
    for (let i = 0; i < 3000; i += 1) {
      const started = process.hrtime.bigint();
      await hybrid.get(key);
      hitTimes.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    hitTimes.sort((a, b) => a - b);
    upstreamTimes.sort((a, b) => a - b);
    const upstreamP50 = percentile(upstreamTimes, 50);
    const hitP50 = percentile(hitTimes, 50);
    const hitP99 = percentile(hitTimes, 99);
    log(`hit p50 ${hitP50.toFixed(3)} ms, p99 ${hitP99.toFixed(3)} ms; provider p50 ${upstreamP50.toFixed(1)} ms`);
    figures.push({ name: 'discovery hit latency p50', value: hitP50, unit: 'ms', baseline: 'provider call p50 (fixture, 200 ms)', baselineValue: upstreamP50, target: '≤ 2 ms', met: hitP50 <= 2 });
    figures.push({ name: 'discovery hit latency p99', value: hitP99, unit: 'ms', baseline: 'provider call p50 (fixture, 200 ms)', baselineValue: upstreamP50, target: '≤ 10 ms', met: hitP99 <= 10 });

    // 2. A storm of concurrent misses of one key, with and without the cache's coalescing.
    const stormKey = { provider: 'tmdb', endpoint: 'popular', category: 'tv' };
    let before = upstream.counts.calls;
    await Promise.all(Array.from({ length: 200 }, () => apiOnly.get(stormKey)));
    const uncoalesced = upstream.counts.calls - before;
    const other = makeService('hybrid');
    before = upstream.counts.calls;
    await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? hybrid : other).get(stormKey)));
    const stormCalls = upstream.counts.calls - before;
    log(`200 concurrent misses over 2 instances: ${stormCalls} upstream call(s); without the cache: ${uncoalesced}`);
    figures.push({ name: 'discovery upstream calls, 200 concurrent misses of one key (2 instances)', value: stormCalls, unit: 'calls', baseline: 'api_only (no cache)', baselineValue: uncoalesced, target: '1', met: stormCalls === 1 });

    // 3. Hit ratio of a replayed pattern: 4 instances, 2 "days" (every row expires in between).
    await setup.query('DELETE FROM discovery_cache');
    const instances = Array.from({ length: 4 }, () => makeService('hybrid'));
    const keys = [
      ...['movie', 'tv'].flatMap((category) => ['week', 'day'].map((period) => ({ provider: 'tmdb', endpoint: 'trending', category, period }))),
      ...['tracks', 'albums', 'artists'].map((category) => ({ provider: 'deezer', endpoint: 'charts', category })),
      ...['songs', 'albums'].map((category) => ({ provider: 'itunes', endpoint: 'charts', category })),
      ...['movie', 'tv'].flatMap((category) => ['popular', 'upcoming'].map((endpoint) => ({ provider: 'tmdb', endpoint, category }))),
    ];
    const perDay = 1500;
    before = upstream.counts.calls;
    const distinctPerDay = [];
    for (let day = 0; day < 2; day += 1) {
      if (day > 0) await setup.query(`UPDATE discovery_cache SET expires_at = now() - interval '1 second'`);
      const pattern = accessPattern(keys, perDay, 42 + day);
      distinctPerDay.push(new Set(pattern.map((k) => JSON.stringify(k))).size);
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async (_, worker) => {
          while (next < pattern.length) {
            const index = next++;
            await instances[(worker + index) % instances.length].get(pattern[index]);
          }
        }),
      );
    }
    const replayCalls = upstream.counts.calls - before;
    const requests = perDay * 2;
    const hitRatio = 1 - replayCalls / requests;
    const ideal = 1 - distinctPerDay.reduce((a, b) => a + b, 0) / requests;
    log(`replay: ${requests} reads, ${replayCalls} upstream calls, hit ratio ${(hitRatio * 100).toFixed(2)} % (ideal ${(ideal * 100).toFixed(2)} %)`);
    figures.push({ name: 'discovery hit ratio, replayed Zipf pattern (4 instances, 2 TTL periods)', value: hitRatio, unit: 'ratio', baseline: 'ideal: one miss per key per TTL', baselineValue: ideal, target: '= ideal', met: hitRatio >= ideal - 1e-9 });
  } finally {
    await Promise.all(pools.map((pool) => pool.end()));
    await upstream.close();
  }
  return figures;
}
