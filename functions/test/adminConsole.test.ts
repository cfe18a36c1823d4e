import vm from 'node:vm';
import { testStack } from './support/stack';

// The admin console is static files on Firebase Hosting; the admin callables it calls are tested
// in their own files. Here: Hosting serves it, and its script is valid for a browser to run.

test('Hosting serves the admin console: page, script and styles', async () => {
  const base = testStack().urls.hosting;
  const page = await fetch(`${base}/`);
  expect(page.status).toBe(200);
  const html = await page.text();
  expect(html).toContain('<form id="signin-form">');
  expect(html).toContain('<script src="console.js"></script>');
  const script = await fetch(`${base}/console.js`);
  expect(script.status).toBe(200);
  const source = await script.text();
  // Compiles as a classic browser script (no module syntax, no build step needed).
  expect(() => new vm.Script(source, { filename: 'console.js' })).not.toThrow();
  for (const callable of ['generationStats', 'retryRequest', 'discoveryStats', 'refreshDiscoveryNow']) {
    expect(source).toContain(`'${callable}'`);
  }
  expect((await fetch(`${base}/console.css`)).status).toBe(200);
});
