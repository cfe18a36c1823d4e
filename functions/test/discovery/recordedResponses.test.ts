// Real provider responses (test/fixtures/providers/, sources in SOURCES.md) through the real
// provider code and HTTP client, served by a local server as the providers would.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createProviders } from '../../src/discovery/providers';
import { jikanDate } from '../../src/discovery/providers/jikan';
import type { Feed } from '../../src/discovery/types';

const recorded = (name: string) => fs.readFileSync(path.join(__dirname, '..', 'fixtures', 'providers', name), 'utf8');

// Written here (no public recording found): a chart album without `link`, and an upcoming anime
// known only to the year, in the shape jikan-me/jikan#486 describes.
const deezerAlbumsWithoutLink = JSON.stringify({
  data: [{ id: 1002561451, title: 'you seem pretty sad for a girl so in love', position: 1, cover_medium: 'https://cdn-images.dzcdn.net/images/cover/07d6896c8afea3a87dcf9381c3d0e6c7/250x250-000000-80-0-0.jpg', artist: { name: 'Olivia Rodrigo' }, type: 'album' }],
  total: 1,
});
const jikanUpcoming = JSON.stringify({
  data: [
    { mal_id: 90001, title: 'Year Only', aired: { from: '2026-01-01T00:00:00+00:00', to: null, prop: { from: { day: 1, month: 1, year: 2026 }, to: { day: null, month: null, year: null } }, string: '2026 to ?' } },
    { mal_id: 90002, title: 'Month Only', aired: { from: '2026-04-01T00:00:00+00:00', to: null, prop: { from: { day: 1, month: 4, year: 2026 }, to: { day: null, month: null, year: null } }, string: 'Apr 2026 to ?' } },
    { mal_id: 90003, title: 'Announced', aired: { from: null, to: null, prop: { from: { day: null, month: null, year: null }, to: { day: null, month: null, year: null } }, string: 'Not available' } },
    { mal_id: 90004, title: 'Dated', aired: { from: '2026-01-12T00:00:00+00:00', to: null, prop: { from: { day: 12, month: 1, year: 2026 }, to: { day: null, month: null, year: null } }, string: 'Jan 12, 2026 to ?' } },
  ],
});

const routes: Array<[RegExp, () => string]> = [
  [/^\/tmdb\/trending\/movie\/week\?/, () => recorded('tmdb-trending-movie-week.json')],
  [/^\/jikan\/top\/anime\?/, () => recorded('jikan-anime-search.json')],
  [/^\/jikan\/seasons\/upcoming$/, () => jikanUpcoming],
  [/^\/rawg\/games\?/, () => recorded('rawg-games.json')],
  [/^\/itunes\/us\/music\/most-played\/50\/songs\.json$/, () => recorded('itunes-most-played-songs.json')],
  [/^\/deezer\/chart\/0\/albums\?/, () => deezerAlbumsWithoutLink],
];

let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer((request, response) => {
    const route = routes.find(([pattern]) => pattern.test(request.url ?? ''));
    if (!route) return void response.writeHead(404).end('{}');
    response.writeHead(200, { 'content-type': 'application/json' }).end(route[1]());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

function providers() {
  return createProviders({
    timeoutMs: 2000,
    maxRetryAfterSeconds: 1,
    tmdb: { baseUrl: `${base}/tmdb`, apiToken: 'recorded' },
    jikan: { baseUrl: `${base}/jikan` },
    rawg: { baseUrl: `${base}/rawg`, apiKey: 'recorded' },
    igdb: { baseUrl: `${base}/igdb`, tokenUrl: `${base}/twitch`, clientId: 'none', clientSecret: 'none' },
    deezer: { baseUrl: `${base}/deezer` },
    itunes: { baseUrl: `${base}/itunes`, country: 'us' },
  });
}
const feed = (provider: Feed['provider'], endpoint: Feed['endpoint'], category: string, period: string | null = null): Feed => ({ provider, endpoint, category, period });

describe('recorded provider responses normalize to the one item shape', () => {
  test('TMDB trending movies', async () => {
    const { items, totalResults } = await providers().tmdb.fetchFeed(feed('tmdb', 'trending', 'movie', 'week'));
    expect(totalResults).toBe(3); // the recording has no total_results
    expect(items[0]).toEqual({
      id: 'tmdb:697843', title: 'Extraction 2', subtitle: null, image: 'https://image.tmdb.org/t/p/w500/7gKI9hpEMcZUQpNgKrkDzJpbnNS.jpg',
      releaseDate: '2023-06-09', releaseDatePrecision: 'day', rank: 1, score: 7.649, url: 'https://www.themoviedb.org/movie/697843', category: 'movie',
    });
    expect(items[2]).toMatchObject({ id: 'tmdb:1010581', title: 'My Fault', subtitle: 'Culpa mía', rank: 3 });
  });

  test('Jikan anime list', async () => {
    const { items, totalResults } = await providers().jikan.fetchFeed(feed('jikan', 'trending', 'anime'));
    expect(totalResults).toBe(168);
    expect(items[0]).toEqual({
      id: 'jikan:39204', title: 'Demon Dance Tokyo', subtitle: null, image: 'https://cdn.myanimelist.net/images/anime/1647/98866l.jpg',
      releaseDate: '2016-10-19', releaseDatePrecision: 'day', rank: 1, score: 6.77, url: 'https://myanimelist.net/anime/39204/Demon_Dance_Tokyo', category: 'anime',
    });
    // No English title: the romanized one, no subtitle; no score yet: null.
    expect(items[1]).toMatchObject({ title: 'Makaryuudo Demon Hunter', subtitle: null, releaseDate: '1989-11-08' });
    expect(items[2]).toMatchObject({ id: 'jikan:54880', score: null, releaseDate: '2023-03-27', releaseDatePrecision: 'day' });
  });

  test('RAWG games', async () => {
    const { items, totalResults } = await providers().rawg.fetchFeed(feed('rawg', 'popular', 'game'));
    expect(totalResults).toBe(59014);
    expect(items[0]).toEqual({
      id: 'rawg:324997', title: "Baldur's Gate III", subtitle: null, image: 'https://media.rawg.io/media/games/699/69907ecf13f172e9e144069769c3be73.jpg',
      releaseDate: '2023-08-03', releaseDatePrecision: 'day', rank: 1, score: 4.45, url: 'https://rawg.io/games/baldurs-gate-3', category: 'game',
    });
  });

  test('iTunes most played songs', async () => {
    const { items } = await providers().itunes.fetchFeed(feed('itunes', 'charts', 'songs'));
    expect(items.map((item) => item.id)).toEqual(['itunes:585972803', 'itunes:1592774398', 'itunes:1592740089']);
    expect(items[0]).toEqual({
      id: 'itunes:585972803', title: 'All I Want For Christmas Is You', subtitle: 'Mariah Carey',
      image: 'https://is4-ssl.mzstatic.com/image/thumb/Music124/v4/c6/b7/27/c6b727f7-3a32-6b43-cee2-05bb71daf1cf/dj.itfmdeif.jpg/100x100bb.jpg',
      releaseDate: '1994-10-29', releaseDatePrecision: 'day', rank: 1, score: null,
      url: 'https://music.apple.com/us/album/all-i-want-for-christmas-is-you/585972750?i=585972803', category: 'songs',
    });
  });

  test('a Deezer album without a link gets its deezer.com page from its id', async () => {
    const { items } = await providers().deezer.fetchFeed(feed('deezer', 'charts', 'albums'));
    expect(items[0]).toMatchObject({ id: 'deezer:1002561451', url: 'https://www.deezer.com/album/1002561451', subtitle: 'Olivia Rodrigo', releaseDatePrecision: null });
  });
});

describe('Jikan dates keep their real precision', () => {
  test('an upcoming list says "2026" or "April 2026", never an invented 1st of January', async () => {
    const { items } = await providers().jikan.fetchFeed(feed('jikan', 'upcoming', 'anime'));
    expect(items.map((item) => [item.title, item.releaseDate, item.releaseDatePrecision])).toEqual([
      ['Year Only', '2026-01-01', 'year'],
      ['Month Only', '2026-04-01', 'month'],
      ['Announced', null, null],
      ['Dated', '2026-01-12', 'day'],
    ]);
  });

  test.each([
    [{ from: '1998-04-03T00:00:00+00:00', string: 'Apr 3, 1998 to Apr 24, 1999' }, '1998-04-03', 'day'],
    [{ from: '2003-01-01T00:00:00+00:00', string: '2003' }, '2003-01-01', 'year'],
    [{ from: '2003-01-01T00:00:00+00:00', string: 'Jan 2003' }, '2003-01-01', 'month'],
    [{ from: '2003-01-01T00:00:00+00:00', string: 'Jan 1, 2003' }, '2003-01-01', 'day'],
    [{ from: null, string: 'Not available' }, null, null],
    [{ from: '2003-01-01T00:00:00+00:00', string: '?' }, null, null],
    // No text: the structured parts decide.
    [{ from: '2024-07-01T00:00:00+00:00', prop: { from: { day: null, month: 7, year: 2024 } } }, '2024-07-01', 'month'],
    [{ from: '2024-07-05T00:00:00+00:00' }, '2024-07-05', 'day'],
    [null, null, null],
  ])('%j → %s (%s)', (period, releaseDate, precision) => {
    expect(jikanDate(period as never)).toEqual({ releaseDate, releaseDatePrecision: precision });
  });
});
