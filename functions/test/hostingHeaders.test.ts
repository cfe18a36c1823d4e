// Hosting as the emulator serves it from firebase.json: security headers on the console and a
// rewrite that puts discoveryFeed behind Hosting's CDN.
import { ProviderFixtures } from './support/providerFixtures';
import { closeTestClients, testDb, testStack } from './support/stack';

let fixtures: ProviderFixtures;
beforeAll(async () => {
  fixtures = await ProviderFixtures.start(testStack().discoveryFixturePort);
});
afterAll(async () => {
  await fixtures.close();
  await closeTestClients();
});

function directives(csp: string | null): Map<string, string[]> {
  return new Map((csp ?? '').split(';').map((part) => part.trim().split(/\s+/)).filter((words) => words[0]).map(([name, ...values]) => [name!, values]));
}

describe('Hosting security headers', () => {
  test.each(['/', '/index.html', '/app.js', '/console.css'])('%s carries CSP, HSTS, framing, sniffing and referrer rules', async (path) => {
    const response = await fetch(`${testStack().urls.hosting}${path}`);
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    const h = response.headers;
    expect(h.get('strict-transport-security')).toMatch(/^max-age=(\d+); includeSubDomains$/);
    expect(Number(/max-age=(\d+)/.exec(h.get('strict-transport-security')!)![1])).toBeGreaterThanOrEqual(180 * 24 * 3600);
    expect(h.get('x-frame-options')).toBe('DENY');
    expect(h.get('x-content-type-options')).toBe('nosniff');
    expect(h.get('referrer-policy')).toBe('strict-origin-when-cross-origin');

    const csp = directives(h.get('content-security-policy'));
    expect(csp.get('frame-ancestors')).toEqual(["'none'"]);
    expect(csp.get('object-src')).toEqual(["'none'"]);
    // Bundled scripts and styles from the site itself, nothing inline or evaluated.
    for (const kind of ['default-src', 'script-src', 'style-src']) {
      expect(csp.get(kind)).toEqual(["'self'"]);
    }
  });

  test('CSP lets the Firebase JS SDK reach Auth, Firestore, this project\'s functions and the local emulators, plain HTTP only to the local emulators', async () => {
    const response = await fetch(`${testStack().urls.hosting}/`);
    await response.text();
    const connect = directives(response.headers.get('content-security-policy')).get('connect-src') ?? [];
    for (const origin of [
      'https://identitytoolkit.googleapis.com',
      'https://securetoken.googleapis.com',
      'https://firestore.googleapis.com',
      'https://firebaseinstallations.googleapis.com',
      `https://${testStack().region}-${testStack().projectId}.cloudfunctions.net`,
      'http://127.0.0.1:*',
      'http://localhost:*',
    ]) {
      expect(connect).toContain(origin);
    }
    expect(connect).not.toContain('*');
    // No wildcard function host a crafted link could name (test/consoleOrigin.test.ts).
    expect(connect.filter((source) => /\*\.(run\.app|cloudfunctions\.net)/.test(source))).toEqual([]);
    expect(connect.filter((source) => source.startsWith('http:'))).toEqual(['http://127.0.0.1:*', 'http://localhost:*']);
  });
});

describe('discoveryFeed behind Hosting', () => {
  test('/api/discovery reaches the function, keeping its Cache-Control for the CDN', async () => {
    await testDb().query(`DELETE FROM discovery_cache WHERE cache_key = 'deezer:charts:artists'`);
    const response = await fetch(`${testStack().urls.hosting}/api/discovery?provider=deezer&endpoint=charts&category=artists`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+, s-maxage=\d+$/);
    expect(Number(/max-age=(\d+)/.exec(response.headers.get('cache-control')!)![1])).toBeGreaterThan(0);
    expect(await response.json()).toMatchObject({ key: 'deezer:charts:artists', provider: 'deezer', items: expect.any(Array) });

    const bad = await fetch(`${testStack().urls.hosting}/api/discovery?provider=deezer&endpoint=trending`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT' } });
  });
});
