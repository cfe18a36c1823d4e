import { poolParamsSchema } from '../../src/questions/poolParams';
import { firebaseGenerationTaskQueue } from '../../src/generation/taskQueue';
import { loadTrendingItems } from '../../src/discovery/trending/loadTrendingItems';
import { queueTrendingThemes, TRENDING_REQUESTER, weekVersion } from '../../src/discovery/trending/queueTrendingThemes';
import { TrendingFactsGenerator } from '../../src/discovery/trending/trendingGenerator';
import type { DiscoveryItem } from '../../src/discovery/types';
import { FactsGenerator } from '../../src/questions/facts/factsGenerator';
import { triggerScheduled } from '../support/client';
import { poolItemSnapshots, waitForStatus } from '../support/pools';
import { closeTestClients, testDb, testFirestore, testStack } from '../support/stack';

// This week's cached trending lists become themed pools of questions that are right by
// construction: release years and artists straight from the cached metadata.

const movies: DiscoveryItem[] = Array.from({ length: 12 }, (_, i) => ({
  id: `tmdb:${9000 + i}`, title: `Trending Film ${i}`, subtitle: null, image: null,
  releaseDate: `${2000 + i * 2}-0${1 + (i % 9)}-15`, rank: i + 1, score: 7, url: null, category: 'movie',
}));
const tracks: DiscoveryItem[] = Array.from({ length: 12 }, (_, i) => ({
  id: `deezer:${7000 + i}`, title: `Chart Song ${i}`, subtitle: `Artist ${i % 6}`, image: null,
  releaseDate: `${2015 + (i % 10)}-05-01`, rank: i + 1, score: null, url: null, category: 'tracks',
}));
const KEYS = ['tmdb:trending:movie:week', 'deezer:charts:tracks'];

beforeAll(async () => {
  for (const [key, provider, endpoint, category, period, data] of [
    [KEYS[0], 'tmdb', 'trending', 'movie', 'week', movies],
    [KEYS[1], 'deezer', 'charts', 'tracks', null, tracks],
  ] as const) {
    await testDb().query(
      `INSERT INTO discovery_cache (cache_key, provider, endpoint, category, period, data, total_results, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, 12, now() + interval '1 day')
       ON CONFLICT (cache_key) DO UPDATE SET data = EXCLUDED.data, updated_at = now(), expires_at = EXCLUDED.expires_at`,
      [key, provider, endpoint, category, period, JSON.stringify(data)],
    );
  }
});
afterAll(async () => {
  await testDb().query('DELETE FROM discovery_cache WHERE cache_key = ANY($1)', [KEYS]);
  await closeTestClients();
});

const generator = new TrendingFactsGenerator((subject) => loadTrendingItems(testDb(), subject));
const params = (patch: Record<string, unknown>) =>
  poolParamsSchema.parse({ lang: 'en', country: 'US', level: 'medium', subject: 'cinema', theme: 'trending', type: 'mcq', version: 1, ...patch });

describe('trending facts', () => {
  test.each(['en', 'fr', 'es'])('release-year questions (%s) answer with the cached release year', async (lang) => {
    const items = await loadTrendingItems(testDb(), 'cinema');
    const { questions } = await generator.generate({ params: params({ lang }), count: 50, excludeIds: new Set() });
    expect(questions.length).toBeGreaterThanOrEqual(12);
    for (const question of questions) {
      // The longest title in the prompt ("Film 11" also contains "Film 1").
      const item = items.filter((i) => question.prompt.includes(i.title)).sort((a, b) => b.title.length - a.title.length)[0]!;
      expect(item).toBeDefined();
      expect(question.choices[question.answerIndex]).toBe(item.releaseDate!.slice(0, 4));
      expect(new Set(question.choices).size).toBe(4);
    }
  });

  test('artist questions answer with the chart artist', async () => {
    const items = await loadTrendingItems(testDb(), 'music');
    const { questions } = await generator.generate({ params: params({ subject: 'music' }), count: 50, excludeIds: new Set() });
    const artistQuestions = questions.filter((q) => q.prompt.startsWith('Who performs'));
    expect(artistQuestions.length).toBeGreaterThanOrEqual(12);
    for (const question of artistQuestions) {
      const item = items.find((i) => question.prompt.includes(`“${i.title}”`))!;
      expect(question.choices[question.answerIndex]).toBe(item.subtitle);
      expect(question.choices.filter((c) => c === item.subtitle)).toHaveLength(1);
    }
  });

  test('serves only the trending theme of covered subjects, in mcq', () => {
    expect(generator.supports(params({}))).toEqual({ ok: true });
    expect(generator.supports(params({ theme: 'world' }))).toMatchObject({ ok: false });
    expect(generator.supports(params({ subject: 'geography' }))).toMatchObject({ ok: false });
    expect(generator.supports(params({ type: 'true_false' }))).toMatchObject({ ok: false });
  });

  test('week versions change weekly and stay in the version range', () => {
    expect(weekVersion(new Date('2026-11-23T10:00:00Z'))).toBe(648);
    expect(weekVersion(new Date('2026-11-29T23:00:00Z'))).toBe(648);
    expect(weekVersion(new Date('2026-11-30T00:00:00Z'))).toBe(649);
    expect(weekVersion(new Date('2029-12-31T00:00:00Z'))).toBeLessThanOrEqual(1000);
  });
});

describe('trendingThemes job', () => {
  test('queues one pool per covered subject and language, once a week, and the pools fill', async () => {
    const deps = {
      db: testDb(),
      firestore: testFirestore(),
      queue: firebaseGenerationTaskQueue('generateQuestionPool', testStack().region),
      generators: [new FactsGenerator(), generator],
      maxAttempts: 3,
      failedCooldownSeconds: 3600,
      quotas: { userDailyRequests: 1000, userDailyTokens: 1e9, globalDailyTokens: 1e12 },
    };
    const first = await queueTrendingThemes(deps);
    const subjects = new Set(first.queued.map((q) => q.subject));
    expect(subjects.has('cinema')).toBe(true);
    expect(subjects.has('music')).toBe(true);
    expect(first.queued.filter((q) => q.subject === 'cinema').map((q) => q.lang).sort()).toEqual(['en', 'es', 'fr']);

    // The scheduled function runs the same job: everything is a duplicate now.
    expect(await triggerScheduled('trendingThemes')).toBeLessThan(300);
    const again = await queueTrendingThemes(deps);
    expect(again.queued.every((q) => !q.created)).toBe(true);

    for (const { requestKey } of first.queued.filter((q) => q.subject === 'cinema' || q.subject === 'music')) {
      expect((await waitForStatus(requestKey, ['done'])).status).toBe('done');
    }
    const rows = await testDb().query('SELECT pool_key, generated_count FROM generation_requests WHERE requested_by = $1 AND pool_key LIKE $2', [TRENDING_REQUESTER, 'en|us|medium|cinema|trending|mcq|%']);
    expect(rows.rows[0].generated_count).toBeGreaterThanOrEqual(12);
    expect((await poolItemSnapshots(rows.rows[0].pool_key)).length).toBe(rows.rows[0].generated_count);
  }, 180_000);
});
