import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// docs/api.md and docs/configuration.md are generated from the built functions (globalSetup builds
// them) and the params: a page that no longer says what the code does fails here.
const repo = path.join(__dirname, '..', '..');
const generate = (...args: string[]) => execFileSync(process.execPath, [path.join(repo, 'scripts', 'docs.mjs'), ...args], { cwd: repo, encoding: 'utf8', stdio: 'pipe' });

describe('generated docs', () => {
  test('docs/api.md and docs/configuration.md are what scripts/docs.mjs writes (run `npm run docs` after changing a function or a param)', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-'));
    generate('--out', out);
    for (const page of ['api.md', 'configuration.md']) {
      expect(`${page}:\n${fs.readFileSync(path.join(repo, 'docs', page), 'utf8')}`).toBe(`${page}:\n${fs.readFileSync(path.join(out, page), 'utf8')}`);
    }
  });

  test('the check fails on a stale page', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'docs-'));
    generate('--out', out);
    fs.appendFileSync(path.join(out, 'configuration.md'), '| `A_PARAM_THAT_IS_GONE` | string | | |\n');
    expect(() => generate('--check', '--out', out)).toThrow(/configuration\.md is stale/);
  });

  test('every function and every param is listed', () => {
    const api = fs.readFileSync(path.join(repo, 'docs', 'api.md'), 'utf8');
    const config = fs.readFileSync(path.join(repo, 'docs', 'configuration.md'), 'utf8');
    for (const name of ['requestGeneration', 'drawQuestions', 'generateQuestionPool', 'adminOverview', 'discoveryFeed']) expect(api).toContain(`| \`${name}\` |`);
    for (const name of ['DATABASE_URL', 'OPENAI_MODEL', 'GLOBAL_DAILY_TOKEN_BUDGET', 'APP_CHECK_ENFORCE']) expect(config).toContain(`| \`${name}\` |`);
  });
});
