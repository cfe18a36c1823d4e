// The applying process of the Batch API memory figure (bench/batches.bench.mjs): runs the production
// poller (functions/lib) against the bench stack until the given batch's OpenAI jobs are applied, and
// reports its own memory high-water. Tasks are recorded, not queued: the figure is about applying.
// argv: <batchId>; env: DATABASE_URL, FIRESTORE_EMULATOR_HOST, GCLOUD_PROJECT, OPENAI_BASE_URL.
import { createRequire } from 'node:module';
import path from 'node:path';
import { functionsDir } from '../scripts/lib/paths.mjs';

const require = createRequire(path.join(functionsDir, 'package.json'));
let peakRss = 0;
let peakHeap = 0;
const sample = () => {
  const usage = process.memoryUsage();
  peakRss = Math.max(peakRss, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapUsed + usage.external + usage.arrayBuffers);
};
const sampler = setInterval(sample, 10);

const { Pool } = require('pg');
const { initializeApp } = require('firebase-admin/app');
const { getFirestore } = require('firebase-admin/firestore');
const OpenAI = require('openai').default;
const { pollBatchApiJobs } = require(path.join(functionsDir, 'lib/batches/openaiBatch/batchApiJob.js'));

const batchId = process.argv[2];
const db = new Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const firestore = getFirestore(initializeApp({ projectId: process.env.GCLOUD_PROJECT }));
let enqueued = 0;
const deps = {
  db,
  firestore,
  queue: { enqueue: async () => { enqueued += 1; return 'enqueued'; } },
  batchApi: { client: new OpenAI({ apiKey: 'bench-key', baseURL: process.env.OPENAI_BASE_URL }), model: 'fake-model', questionsPerCall: 10 },
};
const open = async () => (await db.query(`SELECT count(*)::int AS n FROM openai_batch_jobs WHERE batch_id = $1 AND status <> 'applied'`, [batchId])).rows[0].n;
sample();
const baseRss = peakRss;
const started = performance.now();
while ((await open()) > 0) {
  await pollBatchApiJobs(deps);
  await new Promise((resolve) => setTimeout(resolve, 100));
}
sample();
clearInterval(sampler);
const lines = (await db.query('SELECT count(*)::int AS n, count(outcome)::int AS stored FROM openai_batch_lines WHERE job_id IN (SELECT job_id FROM openai_batch_jobs WHERE batch_id = $1)', [batchId])).rows[0];
await db.end();
process.stdout.write(`${JSON.stringify({ peakRss, peakHeap, baseRss, ms: performance.now() - started, enqueued, lines: lines.n, stored: lines.stored })}\n`);
process.exit(0);
