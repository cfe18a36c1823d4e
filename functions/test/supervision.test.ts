import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { Client } from 'pg';

// `npm start` and `npm test` must leave nothing behind, even when the script that started the
// stack dies without a chance to clean up.

function descendants(pid: number): number[] {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' });
  const children = new Map<number, number[]>();
  for (const line of out.trim().split('\n')) {
    const [child, parent] = line.trim().split(/\s+/).map(Number) as [number, number];
    children.set(parent, [...(children.get(parent) ?? []), child]);
  }
  const all: number[] = [];
  const walk = (p: number) => (children.get(p) ?? []).forEach((c) => { all.push(c); walk(c); });
  walk(pid);
  return all;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('a SIGKILLed parent takes Postgres and every supervised child with it', async () => {
  const parent = spawn(process.execPath, [path.join(__dirname, 'fixtures', 'startAndHang.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const info = await new Promise<{ postgresUrl: string; supervisors: number[] }>((resolve, reject) => {
    let buffer = '';
    parent.stdout!.on('data', (chunk) => {
      buffer += chunk;
      if (buffer.includes('\n')) resolve(JSON.parse(buffer.split('\n')[0]!));
    });
    parent.on('exit', () => reject(new Error('fixture exited early')));
  });
  const tree = [...info.supervisors, ...info.supervisors.flatMap(descendants)];
  expect(tree.length).toBeGreaterThanOrEqual(4); // two supervisors, postgres (and its workers), sleep
  const client = new Client({ connectionString: info.postgresUrl });
  await client.connect();
  await client.end();

  parent.kill('SIGKILL');
  const deadline = Date.now() + 15_000;
  while (tree.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(tree.filter(alive)).toEqual([]);
  const late = new Client({ connectionString: info.postgresUrl, connectionTimeoutMillis: 1000 });
  await expect(late.connect()).rejects.toThrow();
}, 60_000);
