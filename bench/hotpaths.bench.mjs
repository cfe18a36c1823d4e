// Hot paths (issue 19): per call kind, the dependent round trips on the critical path and the
// operations in all, counted by the emulated callables themselves (TEST_INSTRUMENTATION), beside
// the minimum the issue names; then the duplicate accept's throughput beside a prepared
// single-statement upsert (the generation group's baseline, same statement) and its CPU profile.
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { functionsDir } from '../scripts/lib/paths.mjs';
import { signIn } from '../scripts/lib/client.mjs';
import { previousChains } from './previousChains.mjs';

export const name = 'hotpaths';
export const description = 'round trips per call kind beside the floor, duplicate accept throughput vs a prepared upsert, its CPU profile';

const require = createRequire(path.join(functionsDir, 'package.json'));
const lib = (file) => require(path.join(functionsDir, 'lib', file));

async function signUp(authUrl) {
  const email = `hot-${Math.random().toString(36).slice(2)}@example.com`;
  const response = await fetch(`${authUrl}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=demo-api-key`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'hot-paths', returnSecureToken: true }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`sign-up failed: ${JSON.stringify(body)}`);
  return { uid: body.localId, idToken: body.idToken };
}

/** One callable call asking for its round trips (x-qf-round-trips); throws on a callable error. */
async function counted(functionsUrl, callable, data, user) {
  const response = await fetch(`${functionsUrl}/${callable}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-qf-round-trips': '1', authorization: `Bearer ${user.idToken}` },
    body: JSON.stringify({ data }),
  });
  const body = await response.json();
  if (body.error) throw new Error(`${callable}: ${body.error.status}: ${body.error.message}`);
  const header = response.headers.get('x-qf-round-trips');
  if (!header) throw new Error(`${callable} reported no round trips (TEST_INSTRUMENTATION off?)`);
  return { result: body.result, trips: JSON.parse(header) };
}

const chainOf = (trips) => trips.operations.map((op) => `${op.depth}:${op.dependency}(${op.operation.split(' ')[0]})`).join(' ');

async function runConcurrently(total, concurrency, work) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      next += 1;
      await work();
    }
  }));
}

/** Self time per function from a V8 CPU profile, largest first. */
function selfTimes(profile, top = 12) {
  const interval = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
  const byFunction = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    const file = frame.url ? frame.url.replace(/^file:\/\//, '').replace(/.*\/node_modules\//, '').replace(/.*\/functions\/lib\//, 'lib/') : '';
    const key = `${frame.functionName || '(anonymous)'} ${file}${file ? `:${frame.lineNumber + 1}` : ''}`;
    const us = (node.hitCount ?? 0) * interval;
    total += us;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
  }
  return [...byFunction.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([fn, us]) => ({ fn, share: us / total }));
}

export async function run({ stack, log }) {
  process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
  process.env.CLOUD_TASKS_EMULATOR_HOST = stack.env.CLOUD_TASKS_EMULATOR_HOST;
  process.env.GCLOUD_PROJECT = stack.projectId;
  const { Pool } = require('pg');
  const { acceptGenerationRequest } = lib('generation/acceptGenerationRequest.js');
  const { firebaseGenerationTaskQueue } = lib('generation/taskQueue.js');
  const { generationRequestSchema, poolKeyOf, poolParamsSchema, requestKeyOf } = lib('questions/poolParams.js');
  const { FactsGenerator } = lib('questions/facts/factsGenerator.js');
  const { questionIdOf } = lib('questions/question.js');
  const { writePoolQuestions } = lib('pools/poolStore.js');
  const { getFirestoreDb } = lib('shared/firebase.js');
  const firestore = getFirestoreDb();
  const figures = [];

  // 1. Round trips per call kind, through the emulated callables.
  const fn = stack.urls.functions;
  const [owner, joiner] = [await signIn(stack.urls.auth, 'player@example.com', 'player-password'), await signUp(stack.urls.auth)];
  const version = 1 + Math.floor(Math.random() * 999);
  const request = { pool: { lang: 'en', country: 'NZ', level: 'easy', subject: 'geography', theme: 'hot paths', type: 'mcq', version }, targetCount: 7 };
  const drawParams = poolParamsSchema.parse({ lang: 'en', country: 'NZ', level: 'hard', subject: 'geography', theme: 'world', type: 'mcq', version });
  const batch = await new FactsGenerator().generate({ params: drawParams, count: 60, excludeIds: new Set() });
  await writePoolQuestions(firestore, { poolKey: poolKeyOf(drawParams), params: drawParams, requestKey: 'bench', generatedAt: new Date().toISOString(), questions: batch.questions.map((q) => ({ id: questionIdOf(q.prompt), ...q })) });
  // Warm the instances (pool cache, connections, account-age lookups): warm calls are the hot path.
  await counted(fn, 'drawQuestions', { pool: drawParams, count: 5 }, joiner);
  await counted(fn, 'requestGeneration', { pool: { ...request.pool, theme: 'warm up' }, targetCount: 3 }, owner);

  const kinds = [];
  const fresh = await counted(fn, 'requestGeneration', request, owner);
  kinds.push({ kind: 'accept: new request', trips: fresh.trips, floor: 2, floorTotal: 3, floorText: 'the statement, then the Firestore write ∥ the enqueue' });
  const join = await counted(fn, 'requestGeneration', request, joiner);
  kinds.push({ kind: 'accept: join by a new requester', trips: join.trips, floor: 2, floorTotal: 2, floorText: 'the statement, then the requester document' });
  const duplicate = await counted(fn, 'requestGeneration', request, joiner);
  kinds.push({ kind: 'accept: duplicate from a known requester', trips: duplicate.trips, floor: 1, floorTotal: 1, floorText: 'one Postgres round trip' });
  const draw = await counted(fn, 'drawQuestions', { pool: drawParams, count: 5 }, joiner);
  kinds.push({ kind: 'warm draw', trips: draw.trips, floor: 2, floorTotal: 3, floorText: 'at most two: rate token ∥ memory read, then the dealt-ids record' });
  // checkAnswers runs in its own emulated instance, whose cache holds a question once it was asked
  // for: the first check of a question adds a question read after the memory read (reported below).
  const cold = await counted(fn, 'checkAnswers', { pool: drawParams, answers: [{ questionId: draw.result.questions[0].id, choice: 0 }] }, joiner);
  log(`checkAnswers, question not yet cached on the instance: critical path ${cold.trips.criticalPath}, ${cold.trips.total} in all — ${chainOf(cold.trips)}`);
  const check = await counted(fn, 'checkAnswers', { pool: drawParams, answers: [{ questionId: draw.result.questions[0].id, choice: 0 }] }, joiner);
  kinds.push({ kind: 'checkAnswers (question cached)', trips: check.trips, floor: 2, floorTotal: 3, floorText: 'the dealt read, then the answer record (rate token beside)' });
  for (const { kind, trips, floor, floorTotal, floorText } of kinds) {
    log(`${kind}: critical path ${trips.criticalPath}, ${trips.total} in all — ${chainOf(trips)} (floor: ${floorText})`);
    figures.push(
      { name: `round trips on the critical path: ${kind}`, value: trips.criticalPath, unit: 'round trips', baseline: 'minimum (issue 19)', baselineValue: floor, target: `= ${floor}`, met: trips.criticalPath === floor },
      { name: `operations in all: ${kind}`, value: trips.total, unit: 'operations', baseline: 'minimum (issue 19)', baselineValue: floorTotal, target: `= ${floorTotal}`, met: trips.total === floorTotal },
    );
  }

  // 2. Duplicate accept throughput beside one prepared INSERT … ON CONFLICT DO NOTHING (the
  // generation group's baseline, unchanged), and beside the previous chain; same key, same run.
  const db = new Pool({ connectionString: stack.databaseUrl, max: 10 });
  try {
    const queue = firebaseGenerationTaskQueue('generateQuestionPool', stack.region);
    const quotas = { userDailyRequests: 1e9, userDailyTokens: 1e15, globalDailyTokens: 1e15 };
    const deps = { db, firestore, queue, generators: [new FactsGenerator()], maxAttempts: 5, quotas, failedCooldownSeconds: 3600 };
    const previous = previousChains();
    const dupRequest = { pool: { lang: 'fr', country: 'FR', level: 'easy', subject: 'geography', theme: 'monde', type: 'mcq', version: 7 }, targetCount: 10 };
    await acceptGenerationRequest(deps, 'bench-dup-user', dupRequest);
    const parsed = generationRequestSchema.parse(dupRequest);
    const upsert = {
      name: 'bench-prepared-upsert',
      text: 'INSERT INTO generation_requests (request_key, pool_key, params, target_count, requested_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING',
    };
    const upsertParams = [requestKeyOf(parsed), poolKeyOf(parsed.pool), JSON.stringify(parsed.pool), parsed.targetCount, 'bench-dup-user'];
    const N = 5000;
    const measure = async (work) => {
      await runConcurrently(500, 10, work); // warm-up
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      await runConcurrently(N, 10, work);
      const used = process.cpuUsage(cpu);
      return { rate: N / (Number(process.hrtime.bigint() - started) / 1e9), cpuUs: (used.user + used.system) / N };
    };
    const designs = {
      baseline: () => db.query(upsert, upsertParams),
      accept: () => acceptGenerationRequest(deps, 'bench-dup-user', dupRequest),
      previous: () => previous.accept(deps, 'bench-dup-user', dupRequest),
    };
    const rounds = { baseline: [], accept: [], previous: [] };
    // Interleaved rounds, so drift on a shared machine hits all alike; the median of 5 rounds.
    for (let round = 0; round < 5; round++) {
      for (const [design, work] of Object.entries(designs)) rounds[design].push(await measure(work));
    }
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const rate = (design) => median(rounds[design].map((m) => m.rate));
    const cpu = (design) => median(rounds[design].map((m) => m.cpuUs));
    const ratio = rate('accept') / rate('baseline');
    log(`duplicates: accept ${rate('accept').toFixed(0)}/s (${cpu('accept').toFixed(0)} µs CPU of this process per call), previous chain ${rate('previous').toFixed(0)}/s (${cpu('previous').toFixed(0)} µs), prepared upsert ${rate('baseline').toFixed(0)}/s (${cpu('baseline').toFixed(0)} µs); ratio ${ratio.toFixed(2)}, previous ${(rate('previous') / rate('baseline')).toFixed(2)} (rounds ${rounds.accept.map((m, i) => (m.rate / rounds.baseline[i].rate).toFixed(2)).join(', ')})`);
    figures.push(
      { name: 'hot paths: duplicate accept throughput (pool of 10, 10 in flight)', value: rate('accept'), unit: 'req/s', baseline: 'prepared INSERT … ON CONFLICT DO NOTHING (one round trip)', baselineValue: rate('baseline'), target: '≥ 0.9× baseline', met: ratio >= 0.9 },
      { name: 'hot paths: duplicate accept throughput, previous chain', value: rate('previous'), unit: 'req/s', baseline: 'prepared INSERT … ON CONFLICT DO NOTHING (one round trip)', baselineValue: rate('baseline'), target: null, met: null },
      { name: 'hot paths: CPU of the calling process per duplicate accept', value: cpu('accept'), unit: 'µs', baseline: 'previous chain', baselineValue: cpu('previous'), target: null, met: null },
    );

    // 3. Where the duplicate accept's CPU goes: V8's sampling profiler (what node --cpu-prof
    // runs) over 5,000 duplicates of each chain; the top self-time functions are logged.
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qf-hotpaths-'));
    for (const design of ['previous', 'accept']) {
      await runConcurrently(500, 10, designs[design]);
      await session.post('Profiler.start');
      await runConcurrently(N, 10, designs[design]);
      const { profile } = await session.post('Profiler.stop');
      const file = path.join(dir, `duplicate-accept-${design}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(profile));
      log(`cpu profile (${design === 'accept' ? 'now' : 'previous chain'}) → ${file}; top self time:`);
      for (const { fn: where, share } of selfTimes(profile)) log(`  ${(share * 100).toFixed(1).padStart(5)} %  ${where}`);
    }
    session.disconnect();
  } finally {
    await db.end();
  }
  return figures;
}
