// Batches: 100 pools × 20 questions through one batch against the same 100 as individual
// requestGeneration calls (end to end on the bench stack: callables, Cloud Tasks emulator, emulated
// functions, the zero-latency fake model), and model calls per 100 questions with a model that
// repeats 30% of its questions against a perfect one.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { call, signIn } from '../scripts/lib/client.mjs';
import { functionsDir, repoRoot } from '../scripts/lib/paths.mjs';

export const name = 'batches';
export const description = 'batches: 100 pools via one batch vs 100 requestGeneration calls (wall time, accepted/s); tokens charged and model calls, Batch API vs sync, perfect model and one repeating 30%; peak memory applying a 5,000-pool Batch API batch vs a 50-pool one';

const require = createRequire(path.join(functionsDir, 'package.json'));
const POOLS = 100;
const TARGET = 20;

async function waitFor(probe, timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('timed out');
}

async function control(openaiUrl, pathName, body) {
  await fetch(`${openaiUrl.replace(/\/v1$/, '')}/_control/${pathName}`, { method: 'POST', body: JSON.stringify(body) });
}

async function modelCallsFor(openaiUrl, theme) {
  const response = await fetch(`${openaiUrl.replace(/\/v1$/, '')}/_control/calls?theme=${encodeURIComponent(theme)}`);
  return (await response.json()).calls;
}

/** 100 distinct model pools (one theme, so the fake's call counter and repeat setting cover them). */
function plan(theme) {
  const levels = ['easy', 'medium', 'hard'];
  const subjects = ['cinema', 'music', 'tv', 'anime', 'art', 'literature', 'history', 'science', 'sports'];
  const pools = [];
  for (let i = 0; pools.length < POOLS; i++) {
    pools.push({ pool: { lang: 'en', country: 'GB', level: levels[i % 3], subject: subjects[Math.floor(i / 3) % subjects.length], theme, type: 'mcq', version: 1 + Math.floor(i / 27) }, targetCount: TARGET });
  }
  return pools;
}

export async function run({ stack, openaiUrl, log }) {
  const { Pool } = require('pg');
  const db = new Pool({ connectionString: stack.databaseUrl, max: 5 });
  const admin = await signIn(stack.urls.auth, 'admin@example.com', 'admin-password');
  const callAs = (fn, data) => call(stack.urls.functions, fn, data, admin.idToken);
  const allFinal = (keys) => async () => {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM generation_requests WHERE request_key = ANY($1) AND status IN ('done', 'failed')`, [keys]);
    return rows[0].n === keys.length;
  };
  const questionsOf = async (keys) => (await db.query('SELECT coalesce(sum(generated_count), 0)::int AS q FROM generation_requests WHERE request_key = ANY($1)', [keys])).rows[0].q;
  const figures = [];
  try {
    // Warm the callables once so neither side pays the emulator's cold start.
    await callAs('listBatches', { limit: 1 });

    // Baseline: 100 individual requestGeneration calls, 10 in flight, then wait for all done.
    const soloTheme = `bench solo ${randomBytes(3).toString('hex')}`;
    const soloPlan = plan(soloTheme);
    const soloStart = performance.now();
    const soloKeys = [];
    let next = 0;
    await Promise.all(Array.from({ length: 10 }, async () => {
      while (next < soloPlan.length) soloKeys.push((await callAs('requestGeneration', soloPlan[next++])).requestKey);
    }));
    const soloAccepted = performance.now() - soloStart;
    await waitFor(allFinal(soloKeys));
    const soloWall = performance.now() - soloStart;

    // The same amount of work as one batch: create (stored), start (accepts all), wait for done.
    const batchTheme = `bench batch ${randomBytes(3).toString('hex')}`;
    const batchStart = performance.now();
    const created = await callAs('createBatch', { plan: plan(batchTheme), mode: 'sync', dryRun: false, name: 'bench' });
    const startedAt = performance.now();
    await callAs('startBatch', { batchId: created.batchId });
    const batchAccepted = performance.now() - startedAt;
    const batchKeys = (await db.query('SELECT request_key FROM generation_batch_requests WHERE batch_id = $1', [created.batchId])).rows.map((r) => r.request_key);
    await waitFor(allFinal(batchKeys));
    const batchWall = performance.now() - batchStart;
    const batchRow = (await db.query('SELECT status, done FROM generation_batches WHERE batch_id = $1', [created.batchId])).rows[0];
    log(`batch ${batchRow.status} (${batchRow.done}/${POOLS}) in ${(batchWall / 1000).toFixed(1)} s; individual calls ${(soloWall / 1000).toFixed(1)} s; questions ${await questionsOf(batchKeys)} vs ${await questionsOf(soloKeys)}`);
    const soloRate = POOLS / (soloAccepted / 1000);
    const batchRate = POOLS / (batchAccepted / 1000);
    figures.push(
      { name: 'batch: 100 pools × 20 questions, start to all done', value: batchWall / 1000, unit: 's', baseline: '100 individual requestGeneration calls (10 in flight)', baselineValue: soloWall / 1000, target: '≤ 1.1× baseline', met: batchRow.status === 'done' && batchWall <= soloWall * 1.1 },
      { name: 'batch: requests accepted per second (startBatch)', value: batchRate, unit: 'req/s', baseline: 'individual requestGeneration calls, 10 in flight (req/s)', baselineValue: soloRate, target: '≥ 1× baseline', met: batchRate >= soloRate },
    );

    // Sync vs Batch API on the same work: 5 model pools × 100 questions each, with a perfect model and
    // with one repeating 30% of its questions. Model calls = chat completions + Batch API lines.
    const trigger = async (fn) => {
      const origin = new URL(stack.urls.functions).origin;
      await (await fetch(`${origin}/functions/projects/${stack.projectId}/triggers/${stack.region}-${fn}-0`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).text();
    };
    const runMode = async (mode, ratio) => {
      // Themes of equal length in both modes: the theme is part of the prompt, hence of its tokens.
      const theme = `bench ${mode === 'batch' ? 'bapi' : 'sync'} repeat ${Math.round(ratio * 100)} ${randomBytes(3).toString('hex')}`;
      await control(openaiUrl, 'repeat', { theme, ratio });
      const pools = plan(theme).slice(0, 5).map((p) => ({ ...p, targetCount: 100 }));
      const batch = await callAs('createBatch', { plan: pools, mode, dryRun: false });
      await callAs('startBatch', { batchId: batch.batchId });
      const keys = (await db.query('SELECT request_key FROM generation_batch_requests WHERE batch_id = $1', [batch.batchId])).rows.map((r) => r.request_key);
      await waitFor(async () => {
        if (mode === 'batch') await trigger('pollOpenAIBatches');
        return allFinal(keys)();
      });
      const row = (await db.query('SELECT tokens_in, tokens_out, batch_api_tokens_in, batch_api_tokens_out, questions_written FROM generation_batches WHERE batch_id = $1', [batch.batchId])).rows[0];
      const stats = await (await fetch(`${openaiUrl.replace(/\/v1$/, '')}/_control/batch-stats?theme=${encodeURIComponent(theme)}`)).json();
      const questions = Number(row.questions_written);
      const apiTokens = Number(row.batch_api_tokens_in) + Number(row.batch_api_tokens_out);
      const allTokens = Number(row.tokens_in) + Number(row.tokens_out);
      // Tokens as billed: Batch API tokens count half.
      const charged = allTokens - apiTokens + apiTokens * 0.5;
      const calls = (await modelCallsFor(openaiUrl, theme)) + stats.lines;
      return { callsPer100: (100 * calls) / questions, chargedPer1000: (1000 * charged) / questions, questions };
    };
    const syncPerfect = await runMode('sync', 0);
    const syncRepeating = await runMode('sync', 0.3);
    const batchPerfect = await runMode('batch', 0);
    const batchRepeating = await runMode('batch', 0.3);
    log(`calls per 100 questions: sync ${syncPerfect.callsPer100.toFixed(2)} / ${syncRepeating.callsPer100.toFixed(2)} (30% repeats); batch ${batchPerfect.callsPer100.toFixed(2)} / ${batchRepeating.callsPer100.toFixed(2)}`);
    log(`tokens charged per 1,000 questions: sync ${syncPerfect.chargedPer1000.toFixed(0)}, batch ${batchPerfect.chargedPer1000.toFixed(0)}; with 30% repeats sync ${syncRepeating.chargedPer1000.toFixed(0)}, batch ${batchRepeating.chargedPer1000.toFixed(0)}`);
    figures.push(
      { name: 'tokens charged per 1,000 questions, Batch API mode', value: batchPerfect.chargedPer1000, unit: 'tokens', baseline: 'sync mode (tokens)', baselineValue: syncPerfect.chargedPer1000, target: '≤ 0.5× baseline', met: batchPerfect.chargedPer1000 <= syncPerfect.chargedPer1000 * 0.5 + 1e-9 },
      { name: 'tokens charged per 1,000 questions, Batch API mode, model repeating 30%', value: batchRepeating.chargedPer1000, unit: 'tokens', baseline: 'sync mode, same model (tokens)', baselineValue: syncRepeating.chargedPer1000, target: '≤ 0.6× baseline (repeats are topped up at sync price)', met: batchRepeating.chargedPer1000 <= syncRepeating.chargedPer1000 * 0.6 },
      { name: 'model calls per 100 questions, sync, model repeating 30%', value: syncRepeating.callsPer100, unit: 'calls', baseline: 'perfect model (no repeats)', baselineValue: syncPerfect.callsPer100, target: '≤ 1.5× baseline (30% waste alone costs 1/0.7 = 1.43×)', met: syncRepeating.callsPer100 <= syncPerfect.callsPer100 * 1.5 },
      { name: 'model calls per 100 questions, Batch API, model repeating 30% (lines + sync top-ups)', value: batchRepeating.callsPer100, unit: 'calls', baseline: 'perfect model, Batch API (lines)', baselineValue: batchPerfect.callsPer100, target: '≤ 2× baseline', met: batchRepeating.callsPer100 <= batchPerfect.callsPer100 * 2 },
    );

    // Memory: a 5,000-pool Batch API batch (10,000 lines, about 50 MB of output) applied by the
    // production poller in a process of its own, beside a 50-pool one. Output is streamed into
    // per-line rows and applied a page of requests at a time, so the peak should not grow with size.
    const applyPeak = async (pools) => {
      const theme = `bench bapi memory ${pools} ${randomBytes(3).toString('hex')}`;
      const subjects = ['cinema', 'music', 'tv', 'anime', 'art', 'literature', 'history', 'science', 'sports'];
      const levels = ['easy', 'medium', 'hard'];
      const memoryPlan = Array.from({ length: pools }, (_, i) => ({
        pool: { lang: 'en', country: 'GB', level: levels[i % 3], subject: subjects[Math.floor(i / 3) % subjects.length], theme, type: 'mcq', version: 1 + Math.floor(i / 27) },
        targetCount: TARGET,
      }));
      const batch = await callAs('createBatch', { plan: memoryPlan, mode: 'batch', dryRun: false });
      // startBatch resumes where a call cut short stopped: call until every pool is linked.
      for (let round = 0; round < 10; round++) {
        const started = await callAs('startBatch', { batchId: batch.batchId }).catch((error) => ({ error }));
        const planned = (await db.query(`SELECT count(*)::int AS n FROM generation_batch_requests WHERE batch_id = $1 AND state = 'planned'`, [batch.batchId])).rows[0].n;
        if (!started.error && planned === 0) break;
      }
      const output = await new Promise((resolve, reject) => {
        // The heap of the poller's 256 MiB function: a process that must hold the output whole fails here.
        execFile(process.execPath, ['--max-old-space-size=192', path.join(repoRoot, 'bench', 'batchApiApply.child.mjs'), batch.batchId], {
          env: { ...process.env, ...stack.env, DATABASE_URL: stack.databaseUrl, OPENAI_BASE_URL: openaiUrl },
          maxBuffer: 1 << 20,
          timeout: 1_200_000,
        }, (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr.slice(-2000)}`)) : resolve(stdout)));
      });
      return JSON.parse(output.trim().split('\n').pop());
    };
    const small = await applyPeak(50);
    const large = await applyPeak(5_000);
    const mb = (bytes) => bytes / (1 << 20);
    log(`applying a Batch API batch: 50 pools (${small.lines} lines, ${small.stored} stored) peak RSS ${mb(small.peakRss).toFixed(0)} MB, heap+buffers ${mb(small.peakHeap).toFixed(0)} MB in ${(small.ms / 1000).toFixed(1)} s; 5,000 pools (${large.lines} lines, ${large.stored} stored) peak RSS ${mb(large.peakRss).toFixed(0)} MB, heap+buffers ${mb(large.peakHeap).toFixed(0)} MB in ${(large.ms / 1000).toFixed(1)} s`);
    const complete = small.stored === small.lines && large.stored === large.lines && large.lines === small.lines * 100;
    figures.push(
      { name: 'Batch API: peak RSS applying a 5,000-pool batch', value: mb(large.peakRss), unit: 'MB', baseline: 'applying a 50-pool batch (MB)', baselineValue: mb(small.peakRss), target: '≤ 1.5× baseline', met: complete && large.peakRss <= small.peakRss * 1.5 },
      { name: 'Batch API: peak heap + buffers applying a 5,000-pool batch', value: mb(large.peakHeap), unit: 'MB', baseline: 'applying a 50-pool batch (MB)', baselineValue: mb(small.peakHeap), target: '≤ 1.5× baseline', met: complete && large.peakHeap <= small.peakHeap * 1.5 },
    );
  } finally {
    await db.end();
  }
  return figures;
}
