// Admin console: time from navigation to an interactive overview, and the callable / Firestore round
// trips it takes, for today's console (Firebase JS SDK bundle on the Hosting emulator) beside the page
// it replaced (bench/baseline-console: hand-written REST sign-in and callables, two stats callables),
// both in the same headless Chromium against the same bench stack.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { functionsDir, repoRoot } from '../scripts/lib/paths.mjs';

export const name = 'console';
export const description = 'admin console: navigation → interactive overview (ms) and round trips, vs the previous hand-written page';

const require = createRequire(path.join(functionsDir, 'package.json'));
const RUNS = 7;
const TARGET_MS = 1500;

function chromiumLaunchInfo() {
  const script = "import c from '@sparticuz/chromium'; console.log(JSON.stringify({ executablePath: await c.executablePath(), args: c.args }));";
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: functionsDir, encoding: 'utf8' }).trim().split('\n').pop());
}

/** The old console as Hosting served it: three static files. */
function serveBaseline() {
  const dir = path.join(repoRoot, 'bench', 'baseline-console');
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  const server = http.createServer((req, res) => {
    const file = path.join(dir, new URL(req.url, 'http://x').pathname.replace(/^\/$/, '/index.html'));
    if (!file.startsWith(dir) || !fs.existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' }).end(fs.readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Counts what the page asks of the backend: callables (functions emulator) and Firestore (its port). */
function countRoundTrips(page, stack) {
  const counts = { callables: 0, firestore: 0 };
  const functionsOrigin = new URL(stack.urls.functions).origin;
  page.on('request', (request) => {
    if (request.method() === 'OPTIONS') return;
    if (request.url().startsWith(functionsOrigin)) counts.callables += 1;
    else if (request.url().startsWith(stack.urls.firestore)) counts.firestore += 1;
  });
  return counts;
}

export async function run({ stack, log }) {
  const { chromium } = require('playwright-core');
  const { executablePath, args } = chromiumLaunchInfo();
  const browser = await chromium.launch({
    executablePath, headless: true,
    args: [...args.filter((a) => a !== '--single-process'), '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'],
  });
  const baseline = await serveBaseline();
  const baselineUrl = `http://127.0.0.1:${baseline.address().port}/`;
  try {
    // Today's console, a returning admin (the SDK keeps the session): navigation → cards drawn.
    const context = await browser.newContext();
    const warm = await context.newPage();
    await warm.goto(`${stack.urls.hosting}/#/overview`);
    await warm.waitForSelector('#signin:not([hidden])');
    await warm.fill('input[name=email]', 'admin@example.com');
    await warm.fill('input[name=password]', 'admin-password');
    await warm.click('#signin-form button[type=submit]');
    await warm.waitForSelector('main#view[data-interactive="true"]', { timeout: 60_000 });
    await warm.close();

    const consoleTimes = [];
    let consoleTrips;
    for (let i = 0; i < RUNS; i++) {
      const page = await context.newPage();
      const trips = countRoundTrips(page, stack);
      const started = Date.now();
      await page.goto(`${stack.urls.hosting}/#/overview`);
      await page.waitForSelector('main#view[data-interactive="true"] #overview-cards [data-card="failed"]', { timeout: 30_000 });
      consoleTimes.push(Date.now() - started);
      consoleTrips = { ...trips };
      await page.close();
    }

    // Today's console, first visit: sign-in included.
    const coldTimes = [];
    for (let i = 0; i < RUNS; i++) {
      const fresh = await browser.newContext();
      const page = await fresh.newPage();
      const started = Date.now();
      await page.goto(`${stack.urls.hosting}/#/overview`);
      await page.waitForSelector('#signin:not([hidden])');
      await page.fill('input[name=email]', 'admin@example.com');
      await page.fill('input[name=password]', 'admin-password');
      await page.click('#signin-form button[type=submit]');
      await page.waitForSelector('main#view[data-interactive="true"] #overview-cards [data-card="failed"]', { timeout: 30_000 });
      coldTimes.push(Date.now() - started);
      await fresh.close();
    }

    // The previous page: no session is kept, so every visit signs in; its endpoints are typed in.
    const baselineTimes = [];
    let baselineTrips;
    for (let i = 0; i < RUNS; i++) {
      const fresh = await browser.newContext();
      const page = await fresh.newPage();
      const trips = countRoundTrips(page, stack);
      const started = Date.now();
      await page.goto(baselineUrl);
      await page.waitForFunction(() => document.getElementById('functions-url').value !== '');
      // Its endpoint fields sit in a closed <details>: set them as an admin would after opening it.
      await page.evaluate(([auth, functions]) => {
        document.getElementById('auth-url').value = auth;
        document.getElementById('functions-url').value = functions;
      }, [`${stack.urls.auth}/identitytoolkit.googleapis.com`, stack.urls.functions]);
      await page.fill('input[name=email]', 'admin@example.com');
      await page.fill('input[name=password]', 'admin-password');
      await page.click('#signin-form button[type=submit]');
      await page.waitForSelector('#app:not([hidden]) #gen-cards .card', { timeout: 30_000 });
      baselineTimes.push(Date.now() - started);
      baselineTrips = { ...trips };
      await fresh.close();
    }
    await context.close();

    const returning = median(consoleTimes);
    const cold = median(coldTimes);
    const old = median(baselineTimes);
    log(`returning admin: ${consoleTimes.join(', ')} ms; first visit: ${coldTimes.join(', ')} ms; previous page: ${baselineTimes.join(', ')} ms`);
    log(`round trips: console ${JSON.stringify(consoleTrips)}; previous page ${JSON.stringify(baselineTrips)}`);
    const trips = (t) => t.callables + t.firestore;
    return [
      { name: 'console: navigation → interactive overview, signed-in admin (median of 7)', value: returning, unit: 'ms', baseline: 'previous page (signs in every visit)', baselineValue: old, target: `≤ ${TARGET_MS} ms`, met: returning <= TARGET_MS },
      { name: 'console: navigation → interactive overview, first visit with sign-in (median of 7)', value: cold, unit: 'ms', baseline: 'previous page', baselineValue: old, target: `≤ ${TARGET_MS} ms`, met: cold <= TARGET_MS },
      { name: 'console: callable + Firestore requests to draw the overview', value: trips(consoleTrips), unit: 'requests', baseline: 'previous page (2 stats callables)', baselineValue: trips(baselineTrips), target: `callables ≤ 1 (got ${consoleTrips.callables}); no polling`, met: consoleTrips.callables <= 1 },
    ];
  } finally {
    await browser.close();
    await new Promise((resolve) => baseline.close(resolve));
  }
}
