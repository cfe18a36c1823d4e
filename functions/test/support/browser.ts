/// <reference lib="dom" />
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { testStack } from './stack';

// A real headless Chromium: @sparticuz/chromium carries the binary inside its npm package and
// playwright-core drives it. The package is ESM-only, so its path is asked of a child Node process.
let browser: Browser | undefined;

export function chromiumLaunchInfo(): { executablePath: string; args: string[] } {
  const script = "import c from '@sparticuz/chromium'; console.log(JSON.stringify({ executablePath: await c.executablePath(), args: c.args }));";
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: path.join(__dirname, '..', '..'), encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!) as { executablePath: string; args: string[] };
}

export function chromiumArgs(args: string[]): string[] {
  return [...args.filter((arg) => arg !== '--single-process'), '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
}

export async function launchBrowser(): Promise<Browser> {
  if (browser) return browser;
  const { executablePath, args } = chromiumLaunchInfo();
  browser = await chromium.launch({
    executablePath,
    headless: true,
 // Its flags are for AWS Lambda; --single-process there makes browser contexts share a session here.
    // As root the sandbox cannot start; nothing here talks to the internet.
    args: chromiumArgs(args),
  });
  return browser;
}

export async function closeBrowser(): Promise<void> {
  await browser?.close().catch(() => undefined);
  browser = undefined;
}

/** A fresh browser context (own cookies and IndexedDB, so its own signed-in user) on the console. */
export async function openConsole(hash = ''): Promise<Page> {
  const context = await (await launchBrowser()).newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => process.stderr.write(`[console page error] ${error.message}\n`));
  // The browser's own noise (a refused call a test provokes, a listener aborted as a page closes) goes
  // to a log beside the screenshots, not into `npm test`'s output where it reads like a failure.
  page.on('console', (message) => { if (message.type() === 'error') browserLog(`[console error] ${message.text()}`); });
  page.on('requestfailed', (request) => browserLog(`[console request failed] ${request.url()} ${request.failure()?.errorText}`));
  await page.goto(`${testStack().urls.hosting}/${hash}`);
  return page;
}

export async function signInAs(page: Page, email: string, password: string): Promise<void> {
  await page.waitForSelector('#signin:not([hidden])');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('#signin-form button[type=submit]');
}

/** Waits until the view has finished drawing for the URL the page is on now. */
export async function viewReady(page: Page, view: string): Promise<void> {
  await page.waitForFunction((name) => {
    const main = document.querySelector<HTMLElement>('main#view');
    return main?.dataset.view === name && main.dataset.ready === 'true' && main.dataset.readyFor === location.hash;
  }, view, { timeout: 30_000 });
}

export const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'console');
const BROWSER_LOG = path.join(__dirname, '..', '..', 'test-artifacts', 'browser-console.log');
function browserLog(line: string): void {
  fs.mkdirSync(path.dirname(BROWSER_LOG), { recursive: true });
  fs.appendFileSync(BROWSER_LOG, `${new Date().toISOString()} ${line}\n`);
}
/** The committed pictures of docs/operations.md: rewritten when the run sets UPDATE_SCREENSHOTS=1. */
export const DOCS_SCREENSHOTS = path.join(__dirname, '..', '..', '..', 'docs', 'screenshots');

/** Empties the artifacts folder, so what the assertions find was taken by this run. */
export function clearScreenshots(): void {
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    fs.mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS_SCREENSHOTS, `${name}.png`));
  }
  return file;
}
