/// <reference lib="dom" />
// Attack 1 (issue 15): a crafted console link must not choose where the admin's requests (and ID
// token) go. The console is opened in a real Chromium under a non-local host name, so it takes its
// production path (Hosting's web config, the build-time region), as on Hosting. Requests to Google's
// Firebase APIs and to this project's functions host are answered by the emulators (Playwright routes,
// standing in for the internet this machine does not have); every request the page makes is recorded.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { chromium, type Browser, type Request } from 'playwright-core';
import { chromiumArgs, chromiumLaunchInfo, signInAs, viewReady } from './support/browser';
import { closeTestClients, testStack } from './support/stack';

const repo = path.join(__dirname, '..', '..');
const HOST = 'console.qf.test';

/** Evaluates scripts/lib/hostingHeaders.mjs in a child Node (the module is ESM). */
function headersModule<T>(expression: string): T {
  const script = `import * as m from './scripts/lib/hostingHeaders.mjs'; console.log(JSON.stringify(${expression}));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repo, encoding: 'utf8' }).trim()) as T;
}

function directives(csp: string | null | undefined): Map<string, string[]> {
  return new Map((csp ?? '').split(';').map((part) => part.trim().split(/\s+/)).filter((words) => words[0]).map(([name, ...values]) => [name!, values]));
}

const { projectId, region } = testStack();
const functionsHost = `${region}-${projectId}.cloudfunctions.net`;
const hostingPort = new URL(testStack().urls.hosting).port;
const consoleOrigin = `http://${HOST}:${hostingPort}`;

let browser: Browser;
beforeAll(async () => {
  const { executablePath, args } = chromiumLaunchInfo();
  browser = await chromium.launch({
    executablePath,
    headless: true,
    // A production-like host name for the Hosting emulator; treated as a secure context like https.
    args: [...chromiumArgs(args), `--host-resolver-rules=MAP ${HOST} 127.0.0.1`, `--unsafely-treat-insecure-origin-as-secure=${consoleOrigin}`],
  });
});
afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await closeTestClients();
});

type Seen = { url: URL; authorization?: string };

/** Opens the console at `url` as a production page, signs the admin in and waits for the requests view. */
async function openAsAdmin(url: string): Promise<Seen[]> {
  const context = await browser.newContext();
  const seen: Seen[] = [];
  try {
    const page = await context.newPage();
    page.on('request', (request: Request) => {
      seen.push({ url: new URL(request.url()), authorization: request.headers().authorization });
    });
    await context.route('**/*', async (route) => {
      const request = route.request();
      const target = new URL(request.url());
      const forward = async (to: string) => {
        const response = await route.fetch({ url: to });
        await route.fulfill({ response, headers: { ...response.headers(), 'access-control-allow-origin': consoleOrigin, 'access-control-allow-headers': '*' } });
      };
      if (target.hostname === HOST) {
        // Hosting's reserved URL: the project's web config (the emulator has none for a demo project).
        if (target.pathname === '/__/firebase/init.json') {
          await route.fulfill({ json: { projectId, apiKey: 'demo-api-key', authDomain: `${projectId}.firebaseapp.com`, appId: '1:1:web:1' } });
        } else await route.continue();
      } else if (target.hostname === 'identitytoolkit.googleapis.com' || target.hostname === 'securetoken.googleapis.com') {
        if (request.method() === 'OPTIONS') await route.fulfill({ status: 204, headers: { 'access-control-allow-origin': consoleOrigin, 'access-control-allow-headers': '*', 'access-control-allow-methods': 'POST, GET' } });
        else await forward(`${testStack().urls.auth}/${target.hostname}${target.pathname}${target.search}`);
      } else if (target.hostname === functionsHost) {
        if (request.method() === 'OPTIONS') await route.fulfill({ status: 204, headers: { 'access-control-allow-origin': consoleOrigin, 'access-control-allow-headers': '*', 'access-control-allow-methods': 'POST' } });
        else await forward(`${testStack().urls.functions}${target.pathname}`);
      } else {
        await route.abort();
      }
    });
    await page.goto(url);
    await signInAs(page, 'admin@example.com', 'admin-password');
    await page.waitForSelector('#who:has-text("(admin)")');
    await viewReady(page, 'requests');
    await page.waitForSelector('#requests-total, table, .muted');
  } finally {
    await context.close();
  }
  return seen;
}

const allowedHosts = new Set([HOST, 'identitytoolkit.googleapis.com', 'securetoken.googleapis.com', 'firestore.googleapis.com', 'firebaseinstallations.googleapis.com', functionsHost]);

describe('a crafted console link cannot send the admin token elsewhere', () => {
  test.each([
    ['region as a URL', '/?region=https://evil.a.run.app#/requests'],
    ['region as a host', '/?region=evil.a.run.app#/requests'],
    ['region naming another project', '/?region=us-central1-evil-project#/requests'],
    ['functions origin and emulator parameters', '/?functionsOrigin=https://evil.a.run.app&functionsUrl=https://evil.a.run.app&emulatorHost=evil.a.run.app&useEmulator=true&host=evil.a.run.app#/requests'],
    ['parameters inside the hash route', '/#/requests?region=https://evil.a.run.app&functionsOrigin=https://evil.a.run.app'],
  ])('%s: every request goes to the console, Firebase APIs or this project\'s functions host', async (_name, link) => {
    const seen = await openAsAdmin(`${consoleOrigin}${link}`);
    const hosts = [...new Set(seen.map((s) => s.url.hostname))];
    expect(hosts.filter((host) => !allowedHosts.has(host))).toEqual([]);
    expect(seen.filter((s) => /evil/.test(s.url.hostname))).toEqual([]);
    // The admin's callables did run, at the project's host, carrying the ID token; nowhere else got one.
    const callables = seen.filter((s) => s.url.hostname === functionsHost && s.authorization);
    expect(callables.map((s) => s.url.pathname)).toContain('/adminListRequests');
    expect(callables.every((s) => /^Bearer ey/.test(s.authorization!))).toBe(true);
    expect(seen.filter((s) => s.authorization && s.url.hostname !== functionsHost).map((s) => s.url.hostname)).toEqual([]);
  });
});

describe('production Content-Security-Policy', () => {
  test('firebase.json names this project\'s functions host and Firebase\'s APIs, no wildcard, no localhost', () => {
    const expected = headersModule<string>(`m.contentSecurityPolicy({ projectId: m.defaultProjectId(), region: '${region}' })`);
    const config = JSON.parse(execFileSync('cat', [path.join(repo, 'firebase.json')], { encoding: 'utf8' })) as { hosting: { headers: Array<{ headers: Array<{ key: string; value: string }> }> } };
    const csp = config.hosting.headers.flatMap((rule) => rule.headers).find((header) => header.key === 'Content-Security-Policy')?.value;
    expect(csp).toBe(expected);
    const connect = directives(csp).get('connect-src')!;
    expect(connect).toEqual([
      "'self'",
      'https://identitytoolkit.googleapis.com',
      'https://securetoken.googleapis.com',
      'https://firestore.googleapis.com',
      'https://firebaseinstallations.googleapis.com',
      'https://content-firebaseappcheck.googleapis.com',
      `https://${functionsHost}`,
    ]);
    expect(connect.filter((source) => source.includes('*') || /localhost|127\.0\.0\.1|^http:|^ws:/.test(source))).toEqual([]);
  });

  test('the served policy (local stack) adds only the local emulators to it', async () => {
    const response = await fetch(`${testStack().urls.hosting}/`);
    await response.text();
    const connect = directives(response.headers.get('content-security-policy')).get('connect-src')!;
    expect(connect).toContain(`https://${functionsHost}`);
    expect(connect.filter((source) => source.includes('run.app') || source.includes('*.cloudfunctions.net'))).toEqual([]);
    expect(connect.filter((source) => source.includes('*'))).toEqual(['http://127.0.0.1:*', 'http://localhost:*', 'ws://127.0.0.1:*', 'ws://localhost:*']);
  });

  test('the Hosting predeploy refuses a firebase.json written for another project or region', () => {
    const run = (env: Record<string, string>) => execFileSync(process.execPath, [path.join(repo, 'scripts', 'lib', 'console.mjs')], {
      cwd: repo, encoding: 'utf8', stdio: 'pipe', env: { ...process.env, ...env },
    });
    expect(() => run({ GCLOUD_PROJECT: 'another-project' })).toThrow(/not the one for project another-project/);
    expect(() => run({ GCLOUD_PROJECT: projectId, FUNCTIONS_REGION: 'europe-west1' })).toThrow(/europe-west1/);
    expect(() => run({ GCLOUD_PROJECT: projectId, FUNCTIONS_REGION: 'https://evil.a.run.app' })).toThrow(/not a region name/);
  });
});
