// Scale: what breaks at a million players, each fix measured beside a baseline in the same run.
// Domain code from the built functions/lib against the bench stack's Postgres, Firestore and Cloud
// Tasks emulator. Sections run in sequence; QF_SCALE_ONLY=a,b runs some of them.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { functionsDir } from '../scripts/lib/paths.mjs';

export const name = 'scale';
export const description = 'status joins at 5,000 requesters, discovery misses vs a small pool, shared provider limits, short pools, mixed load';

const require = createRequire(path.join(functionsDir, 'package.json'));
const lib = (file) => require(path.join(functionsDir, 'lib', file));

export function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function runConcurrently(total, concurrency, work) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next;
      next += 1;
      await work(i);
    }
  }));
}

const quotas = { userDailyRequests: 1e9, userDailyTokens: 1e15, globalDailyTokens: 1e15 };

/** 5,000 distinct players join one request: the status document keeps its size, joins stay flat. */
async function statusJoins({ db, firestore, log }) {
  // No task runs: the status stays "pending", so any change in its size comes from the joins.
  const queue = { enqueue: async () => undefined };
  const { acceptGenerationRequest } = lib('generation/acceptGenerationRequest.js');
  const { FactsGenerator } = lib('questions/facts/factsGenerator.js');
  const deps = { db, firestore, queue, generators: [new FactsGenerator()], maxAttempts: 5, quotas, failedCooldownSeconds: 3600 };
  const tag = randomBytes(3).toString('hex');
  const request = (version) => ({ pool: { lang: 'en', country: 'IE', level: 'hard', subject: 'geography', theme: 'flags', type: 'mcq', version }, targetCount: 5 });
  const base = 300 + Math.floor(Math.random() * 600);
  const small = request(base);
  const large = request(base + 1);
  const join = (req, uid) => acceptGenerationRequest(deps, `join-${tag}-${uid}`, req);
  const sizeOf = async (requestKey) => {
    const snapshot = await firestore.collection('generation_status').doc(requestKey).get();
    return Buffer.byteLength(JSON.stringify(snapshot.data()));
  };
  await join(small, 's0');
  const firstLarge = await join(large, 'l0');
  await runConcurrently(9, 3, (i) => join(small, `s${i + 1}`));
  await runConcurrently(9, 3, (i) => join(large, `l${i + 1}`));
  const sizeAt10 = await sizeOf(firstLarge.requestKey);
  const started = performance.now();
  await runConcurrently(4990, 25, (i) => join(large, `l${i + 10}`));
  log(`status joins: 5,000 distinct requesters joined in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const sizeAt5000 = await sizeOf(firstLarge.requestKey);
  const requesterDocs = (await firestore.collection('generation_status').doc(firstLarge.requestKey).collection('requesters').count().get()).data().count;
  // Then joins to both, interleaved so the shared machine's noise hits both alike.
  const atSmall = [];
  const atLarge = [];
  await runConcurrently(400, 4, async (i) => {
    const t0 = performance.now();
    if (i % 2 === 0) {
      await join(small, `s-m${i}`);
      atSmall.push(performance.now() - t0);
    } else {
      await join(large, `l-m${i}`);
      atLarge.push(performance.now() - t0);
    }
  });
  const p99Small = percentile(atSmall, 99);
  const p99Large = percentile(atLarge, 99);
  log(`status joins: ${requesterDocs} requester docs; status doc ${sizeAt10} B at 10, ${sizeAt5000} B at 5,000; p99 join ${p99Small.toFixed(1)} ms at ~10, ${p99Large.toFixed(1)} ms at 5,000`);
  return [
    { name: 'status document size after 5,000 distinct requesters', value: sizeAt5000, unit: 'bytes', baseline: 'after 10 requesters', baselineValue: sizeAt10, target: '= baseline', met: sizeAt5000 === sizeAt10 && requesterDocs === 5000 },
    { name: 'join p99 at 5,000 requesters (200 joins, 4 in flight)', value: p99Large, unit: 'ms', baseline: 'join p99 at 10–210 requesters, interleaved', baselineValue: p99Small, target: '≤ 1.5× baseline', met: p99Large <= 1.5 * p99Small },
  ];
}

const SECTIONS = { statusJoins };

export async function run({ stack, log }) {
  process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
  process.env.CLOUD_TASKS_EMULATOR_HOST = stack.env.CLOUD_TASKS_EMULATOR_HOST;
  process.env.GCLOUD_PROJECT = stack.projectId;
  const { Pool } = require('pg');
  const { firebaseGenerationTaskQueue } = lib('generation/taskQueue.js');
  const { getFirestoreDb } = lib('shared/firebase.js');
  const db = new Pool({ connectionString: stack.databaseUrl, max: 10 });
  const context = { stack, db, firestore: getFirestoreDb(), queue: firebaseGenerationTaskQueue('generateQuestionPool', stack.region), log };
  const only = process.env.QF_SCALE_ONLY ? process.env.QF_SCALE_ONLY.split(',') : Object.keys(SECTIONS);
  const figures = [];
  try {
    for (const section of only) {
      const started = performance.now();
      figures.push(...(await SECTIONS[section](context)));
      log(`${section}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await db.end();
  }
  return figures;
}
