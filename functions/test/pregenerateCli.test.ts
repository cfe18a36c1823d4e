import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { injectFaults } from './support/fakeOpenAI';
import { uniquePool } from './support/pools';
import { closeTestClients, testDb, testStack } from './support/stack';

const repoRoot = path.resolve(__dirname, '..', '..');
afterAll(closeTestClients);

function writePlan(plan: unknown, ext = 'json'): string {
  const file = path.join(os.tmpdir(), `qf-plan-${randomBytes(4).toString('hex')}.${ext}`);
  fs.writeFileSync(file, typeof plan === 'string' ? plan : JSON.stringify(plan));
  return file;
}

/** Runs the CLI as a user would, against the test stack's emulators. */
function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const stack = testStack();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      path.join(repoRoot, 'scripts', 'pregenerate.mjs'), ...args,
      '--functions-url', stack.urls.functions, '--auth-url', stack.urls.auth, '--firestore-host', stack.env.FIRESTORE_EMULATOR_HOST!,
    ], { cwd: repoRoot, env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run pregenerate', () => {
  test('--dry-run prints the plan table and creates nothing', async () => {
    // Targets no other file asks for, so no existing request shares these keys.
    const plan = [{ pool: uniquePool(), targetCount: 7 }, { pool: uniquePool(), targetCount: 7 }];
    const { code, stdout } = await runCli([writePlan(plan), '--dry-run']);
    expect(code).toBe(0);
    const batchId = /Batch ([0-9a-f]{64})/.exec(stdout)?.[1];
    expect(batchId).toBeDefined();
    expect(stdout).toMatch(/│ 2\s+│ 2\s+│ 0\s+│ 0\s+│/);
    expect((await testDb().query('SELECT 1 FROM generation_batches WHERE batch_id = $1', [batchId])).rowCount).toBe(0);
  });

  test('--yes runs a CSV plan to the end: live bar, final table, exit 0', async () => {
    const pools = [uniquePool(), uniquePool(), uniquePool()];
    const csv = ['lang,country,level,subject,theme,type,version,targetCount', ...pools.map((p) => `${p.lang},${p.country},${p.level},${p.subject},${p.theme},${p.type},${p.version},6`)].join('\n');
    const { code, stdout, stderr } = await runCli([writePlan(csv, 'csv'), '--yes', '--name', 'cli test']);
    expect(code).toBe(0);
    // The bar goes to stderr (cli-progress's default), driven by the listener: it ends full.
    expect(stderr).toMatch(/pools .* 3\/3 \| done 3 failed 0 running 0 pending 0 \| \d+ questions/);
    const batchId = /Batch ([0-9a-f]{64}) created/.exec(stdout)?.[1];
    expect(batchId).toBeDefined();
    for (const p of pools) expect(stdout).toMatch(new RegExp(`${p.lang}\\|gb\\|medium\\|geography\\|world\\|mcq\\|v${p.version}\\s+│ 6\\s+│ done`));
    expect(stdout).toMatch(/│ done\s+│ 3\s+│ 0\s+│ 0\s+│ 0\s+│ 0\s+│/);
    const row = (await testDb().query('SELECT status, done FROM generation_batches WHERE batch_id = $1', [batchId])).rows[0];
    expect(row).toEqual({ status: 'done', done: 3 });
    // Re-attaching to a finished batch prints its table at once.
    const again = await runCli(['--watch', batchId!]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/│ done\s+│ 3\s+│/);
  });

  test('a pool that fails makes the exit code non-zero', async () => {
    const theme = `cli fail ${randomBytes(3).toString('hex')}`;
    await injectFaults(theme, [{ kind: 'refusal' }]);
    const plan = [{ pool: uniquePool(), targetCount: 4 }, { pool: uniquePool({ subject: 'cinema', theme }), targetCount: 4 }];
    const { code, stdout } = await runCli([writePlan(plan), '--yes']);
    expect(code).toBe(1);
    expect(stdout).toMatch(/│ failed\s+│ 1\s+│ 1\s+│/);
  });

  test('an invalid plan is refused with each problem by position (exit 2)', async () => {
    const plan = [{ pool: uniquePool(), targetCount: 4 }, { pool: { ...uniquePool(), level: 'extreme' }, targetCount: 4 }];
    const { code, stderr } = await runCli([writePlan(plan), '--yes']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/INVALID_ARGUMENT/);
    expect(stderr).toMatch(/#1 pool\.level: must be one of easy, medium, hard/);
  });
});
