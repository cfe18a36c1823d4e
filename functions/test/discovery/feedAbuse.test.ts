// Attack 7 (issue 15): the public discoveryFeed GET, played over plain HTTP as a scraper would:
// cache-busting parameters, a flood from one address, and a forged X-Forwarded-For.
import { ProviderFixtures } from '../support/providerFixtures';
import { closeTestClients, testStack } from '../support/stack';

let fixtures: ProviderFixtures;
beforeAll(async () => {
  fixtures = await ProviderFixtures.start(testStack().discoveryFixturePort);
});
afterAll(async () => {
  await fixtures.close();
  await closeTestClients();
});

const base = () => `${testStack().urls.functions}/discoveryFeed`;
const VALID = 'provider=deezer&endpoint=charts&category=tracks';

type RoundTrips = { total: number; byDependency: Record<string, number> };
async function get(query: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base()}?${query}`, { headers: { 'x-qf-round-trips': '1', ...headers } });
  const body = (await response.json()) as { error?: { status: string; message: string } };
  const trips = response.headers.get('x-qf-round-trips');
  return { status: response.status, body, cacheControl: response.headers.get('cache-control'), retryAfter: response.headers.get('retry-after'), roundTrips: trips ? (JSON.parse(trips) as RoundTrips) : undefined };
}

describe('discoveryFeed against a hostile caller', () => {
  test('a fresh reply tells the CDN to keep it (s-maxage); cache-busting parameters are refused before Postgres is touched', async () => {
    const first = await get(VALID);
    expect(first.status).toBe(200);
    expect(first.cacheControl).toMatch(/^public, max-age=\d+, s-maxage=\d+$/);
    const sMaxAge = Number(/s-maxage=(\d+)/.exec(first.cacheControl!)![1]);
    expect(sMaxAge).toBeGreaterThan(0);
    expect(Number(/max-age=(\d+)/.exec(first.cacheControl!)![1])).toBeLessThanOrEqual(Math.min(60, sMaxAge));
    // A cached hit costs Postgres one read; that is what the CDN saves.
    expect((await get(VALID)).roundTrips?.byDependency.postgres).toBeGreaterThan(0);

    for (const busting of [`${VALID}&cb=1`, `${VALID}&_=${Date.now()}`, `${VALID}&utm_source=x`, `${VALID}&provider=deezer`, `${VALID}&Provider=deezer`, `${VALID}&period[]=week`]) {
      const refused = await get(busting);
      expect({ busting, status: refused.status, error: refused.body.error?.status }).toEqual({ busting, status: 400, error: 'INVALID_ARGUMENT' });
      expect(refused.cacheControl).toBe('no-store');
      expect(refused.roundTrips).toMatchObject({ total: 0 });
    }
    expect((await get(`${VALID}&cb=1`)).body.error?.message).toMatch(/unknown query parameter: cb; allowed: provider, endpoint, category, period/);
  });

  test('one address gets DISCOVERY_FEED_PER_MINUTE (120) requests, then 429 with Retry-After; a forged X-Forwarded-For does not open a new bucket', async () => {
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof get>> | undefined;
    for (let i = 0; i < 130 && !refused; i++) {
      // Every request forges a different client address, as a scraper rotating headers would.
      const reply = await get(VALID, { 'x-forwarded-for': `203.0.113.${i % 250}` });
      statuses.push(reply.status);
      if (reply.status === 429) refused = reply;
    }
    expect(refused).toBeDefined();
    // The first test used 2 of the 120 tokens; refill during the run adds at most a few.
    const served = statuses.filter((s) => s === 200).length;
    expect(served).toBeGreaterThanOrEqual(110);
    expect(served).toBeLessThanOrEqual(125);
    expect(refused).toMatchObject({ status: 429, cacheControl: 'no-store', body: { error: { status: 'RESOURCE_EXHAUSTED' } } });
    expect(Number(refused!.retryAfter)).toBeGreaterThanOrEqual(1);
    // Refused in the instance: no Postgres statement.
    expect(refused!.roundTrips).toMatchObject({ total: 0 });
    // The bucket refills (2 a second): after Retry-After the address is served again, and the
    // files after this one find tokens.
    await new Promise((resolve) => setTimeout(resolve, Number(refused!.retryAfter) * 1000 + 3_000));
    expect((await get(VALID)).status).toBe(200);
  });
});
