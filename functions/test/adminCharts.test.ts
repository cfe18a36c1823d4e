import { randomBytes } from 'node:crypto';
import { httpsCallable } from 'firebase/functions';
import { READ_DISCOVERY_ACCESS_SQL } from '../src/admin/queries/discoveryAccessHours';
import { READ_GENERATION_HOURS_SQL } from '../src/admin/queries/readGenerationHours';
import { READ_QUEUE_DEPTH_SQL } from '../src/admin/queries/queueDepthSamples';
import { ROLL_UP_GENERATION_HOURS_SQL } from '../src/admin/queries/rollUpGenerationHours';
import { appClient, closeAppClients } from './support/appClient';
import { signUp } from './support/client';
import { closeTestClients, testDb } from './support/stack';

// adminCharts: the overview's time series. Its reads are rollups or index ranges bounded to the window
// (proved by the plans Postgres chooses over a month of history), its figures are the attempts that
// happened, hour by hour, and only the console's roles may read it (through the Firebase JS SDK).

type Charts = {
  hourly: Array<{ hour: string; runs: Record<string, number>; p50RunMs: number | null; p95RunMs: number | null; cacheHitRatio: number | null }>;
  daily: Array<{ day: string; tokensIn: number; tokensOut: number; tokens: number; costUsd: number }>;
  tokenBudget: number;
  queue: Array<{ at: string; pending: number }>;
};

const HOUR = 3_600_000;
const hex = () => randomBytes(32).toString('hex');

/** A done request (FK target) and its attempts, finished at the given times with the given run times. */
async function seedAttempts(attempts: Array<{ finishedAt: Date; outcome: string; runMs: number; tokensIn?: number; tokensOut?: number }>): Promise<void> {
  const requestKey = hex();
  await testDb().query(
    `INSERT INTO generation_requests (request_key, pool_key, params, target_count, status, requested_by, finished_at) VALUES ($1, $2, '{}', 1, 'done', 'charts-test', now())`,
    [requestKey, `charts-test|${requestKey.slice(0, 8)}`]);
  await testDb().query(
    `INSERT INTO generation_attempts (request_key, attempt, started_at, finished_at, outcome, model_calls, tokens_in, tokens_out)
     SELECT $1, n, f - make_interval(secs => ms / 1000.0), f, o, 1, ti, tout
       FROM unnest($2::timestamptz[], $3::text[], $4::float8[], $5::int[], $6::int[]) WITH ORDINALITY AS x(f, o, ms, ti, tout, n)`,
    [requestKey, attempts.map((a) => a.finishedAt), attempts.map((a) => a.outcome), attempts.map((a) => a.runMs), attempts.map((a) => a.tokensIn ?? 0), attempts.map((a) => a.tokensOut ?? 0)]);
}

type PlanNode = { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string; Plans?: PlanNode[] };
function scans(node: PlanNode, out: Array<{ type: string; relation: string; index?: string }> = []) {
  if (node['Relation Name'] || node['Index Name']) out.push({ type: node['Node Type'], relation: node['Relation Name'] ?? '', ...(node['Index Name'] ? { index: node['Index Name'] } : {}) });
  for (const child of node.Plans ?? []) scans(child, out);
  return out;
}
async function plan(sql: string, params: unknown[]) {
  const client = await testDb().connect();
  try {
    // EXPLAIN of a data-modifying statement plans it without running it (no ANALYZE).
    const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
    return scans((rows[0]['QUERY PLAN'] as Array<{ Plan: PlanNode }>)[0]!.Plan);
  } finally {
    client.release();
  }
}

let viewer: Awaited<ReturnType<typeof appClient>>;
let player: Awaited<ReturnType<typeof appClient>>;
const readCharts = async (as: typeof viewer, data: unknown = {}) => (await httpsCallable<unknown, Charts>(as.client.functions, 'adminCharts')(data)).data;

beforeAll(async () => {
  const account = `charts-player-${hex().slice(0, 8)}@example.com`;
  await signUp(account);
  [viewer, player] = await Promise.all([appClient('viewer@example.com', 'viewer-password'), appClient(account)]);
});
afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

describe('roles through the client SDK', () => {
  test('a player gets permission-denied, a viewer gets the series', async () => {
    await expect(readCharts(player)).rejects.toMatchObject({ code: 'functions/permission-denied' });
    const charts = await readCharts(viewer, { hours: 6, days: 3 });
    expect(charts.hourly).toHaveLength(6);
    expect(charts.daily).toHaveLength(3);
    await expect(readCharts(viewer, { hours: 10_000 })).rejects.toMatchObject({ code: 'functions/invalid-argument' });
  });
});

describe('figures', () => {
  test('runs per hour by outcome, run-time percentiles and tokens per day are those of the attempts, rolled or live', async () => {
    const hourStart = Math.floor(Date.now() / HOUR) * HOUR - 30 * HOUR;
    const at = (minutes: number) => new Date(hourStart + minutes * 60_000);
    await seedAttempts([
      { finishedAt: at(5), outcome: 'done', runMs: 1000, tokensIn: 100, tokensOut: 50 },
      { finishedAt: at(10), outcome: 'done', runMs: 2000, tokensIn: 100, tokensOut: 50 },
      { finishedAt: at(20), outcome: 'done', runMs: 3000, tokensIn: 100, tokensOut: 50 },
      { finishedAt: at(30), outcome: 'failed', runMs: 500, tokensIn: 7 },
      { finishedAt: at(40), outcome: 'retry', runMs: 400 },
    ]);
    // This history was written after the rollup had passed its hour (attempts normally finish at now()):
    // the rollup starts over, as on its first run.
    await testDb().query(`DELETE FROM admin_rollups WHERE name = 'generation_hourly'`);
    const before = await readCharts(viewer);
    const hour = before.hourly.find((h) => h.hour === new Date(hourStart).toISOString())!;
    expect(hour.runs).toEqual({ done: 3, retry: 1, failed: 1, deferred: 0, 'lease-lost': 0 });
    expect(hour.p50RunMs).toBe(2000);
    expect(hour.p95RunMs).toBe(2900);
    // The hour is closed: it was rolled up, and the rollup says the same.
    const { rows } = await testDb().query(`SELECT outcome, attempts FROM generation_hourly WHERE hour = $1 ORDER BY outcome`, [new Date(hourStart)]);
    expect(rows).toEqual([{ outcome: 'done', attempts: 3 }, { outcome: 'failed', attempts: 1 }, { outcome: 'retry', attempts: 1 }]);

    // A run of the current hour shows at once (read live), and joins today's tokens.
    await seedAttempts([{ finishedAt: new Date(), outcome: 'failed', runMs: 10, tokensIn: 1_000, tokensOut: 2_000 }]);
    const after = await readCharts(viewer);
    expect(after.hourly.at(-1)!.runs['failed']! - before.hourly.at(-1)!.runs['failed']!).toBe(1);
    expect(after.daily.at(-1)!.tokens - before.daily.at(-1)!.tokens).toBe(3_000);
    expect(after.daily.at(-1)!.costUsd).toBeGreaterThan(before.daily.at(-1)!.costUsd);
    expect(after.tokenBudget).toBeGreaterThan(0);
  });
});

describe('no full scan', () => {
  test('over a month of attempts, the rollup and every chart read use an index range bounded to the window', async () => {
    // 200 requests × 100 attempts, spread over 40 days.
    const now = Date.now();
    for (let r = 0; r < 200; r++) {
      await seedAttempts(Array.from({ length: 100 }, (_, i) => ({ finishedAt: new Date(now - ((r * 100 + i) / 20_000) * 40 * 24 * HOUR - HOUR), outcome: i % 10 === 0 ? 'failed' : 'done', runMs: 1000 + i })));
    }
    await testDb().query(`INSERT INTO queue_depth_samples (at, pending, running, deferred)
                          SELECT date_trunc('minute', now()) - make_interval(mins => n), n % 7, n % 3, 0 FROM generate_series(1, 20000) n ON CONFLICT DO NOTHING`);
    await testDb().query(`INSERT INTO discovery_access_hourly (hour, hits, misses)
                          SELECT date_trunc('hour', now()) - make_interval(hours => n), 90, 10 FROM generate_series(1, 5000) n ON CONFLICT DO NOTHING`);
    await testDb().query(`DELETE FROM admin_rollups WHERE name = 'generation_hourly'`);
    // Roll up (what the first chart read does; from scratch, as above), then statistics as autovacuum would keep them.
    await readCharts(viewer);
    await testDb().query('ANALYZE generation_attempts; ANALYZE generation_hourly; ANALYZE queue_depth_samples; ANALYZE discovery_access_hourly; ANALYZE admin_rollups');

    const since = new Date(Math.floor(now / HOUR) * HOUR - 13 * 24 * HOUR);
    const plans = {
      rollUp: await plan(ROLL_UP_GENERATION_HOURS_SQL, [14]),
      generationHours: await plan(READ_GENERATION_HOURS_SQL, [since]),
      queueDepth: await plan(READ_QUEUE_DEPTH_SQL, [new Date(now - 48 * HOUR)]),
      discoveryAccess: await plan(READ_DISCOVERY_ACCESS_SQL, [new Date(now - 48 * HOUR)]),
    };
    const big = ['generation_attempts', 'generation_hourly', 'queue_depth_samples', 'discovery_access_hourly'];
    for (const [name, nodes] of Object.entries(plans)) {
      // ModifyTable is the rollup's write (its ON CONFLICT probes the primary key), not a read.
      const reads = nodes.filter((n) => big.includes(n.relation) && n.type !== 'ModifyTable');
      expect({ name, reads: reads.length > 0 }).toEqual({ name, reads: true });
      for (const read of reads) expect({ name, ...read, type: read.type }).toEqual({ name, ...read, type: expect.stringMatching(/^(Index Scan|Index Only Scan|Bitmap Heap Scan)$/) });
    }
    // The raw attempts are reached through their finished_at index (the window's range), nothing else.
    for (const nodes of [plans.rollUp, plans.generationHours]) expect(nodes.some((n) => n.index === 'generation_attempts_finished_idx')).toBe(true);
  }, 120_000);
});
