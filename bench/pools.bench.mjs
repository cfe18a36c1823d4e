// Question pools: warm draw latency, Firestore reads per 1,000 draws, near-duplicate precision/recall.
// Uses the built functions code (functions/lib, built by the stack) against the stack's Firestore emulator.
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { functionsDir, requireFromFunctions } from '../scripts/lib/paths.mjs';
import { adminFirestore } from '../scripts/lib/sampleJob.mjs';

export const name = 'pools';
export const description = 'draws from the instance cache vs direct Firestore reads; near-duplicate detection on the tuning and test sets, lexical and embeddings paths (simulated embedding model)';

const lib = (file) => requireFromFunctions(path.join(functionsDir, 'lib', file));
const DRAW = 10;
const DRAWS = 1000;

function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function timed(times, work) {
  const samples = [];
  for (let i = 0; i < times; i++) {
    const started = performance.now();
    await work(i);
    samples.push(performance.now() - started);
  }
  return samples;
}

export async function run({ stack, openaiUrl, log }) {
  const firestore = adminFirestore(stack);
  const { poolParamsSchema, poolKeyOf } = lib('questions/poolParams.js');
  const { writePoolQuestions, firestorePoolReader, readPoolQuestions, listPoolQuestionIds } = lib('pools/poolStore.js');
  const { PoolCache } = lib('pools/poolCache.js');
  const { pickUnseen } = lib('pools/seenMemory.js');
  const { drawQuestions } = lib('draws/drawQuestions.js');
  const { FactsGenerator } = lib('questions/facts/factsGenerator.js');
  const { questionIdOf } = lib('questions/question.js');
  const { signatureOf, similarity, NEAR_DUPLICATE_THRESHOLD, NEAR_DUPLICATE_COSINE, isNearDuplicateByEmbeddings } = lib('pools/nearDuplicates.js');
  const { OpenAIEmbedder } = lib('questions/openai/embedder.js');
  const { PromptEmbeddingStore } = lib('pools/promptEmbeddings.js');
  const { screenCandidates, screenablePrompts } = lib('pools/qualityGate.js');

  const params = poolParamsSchema.parse({ lang: 'en', country: 'GB', level: 'medium', subject: 'geography', theme: 'world', type: 'mcq', version: 900 + Math.floor(Math.random() * 99) });
  const poolKey = poolKeyOf(params);
  const batch = await new FactsGenerator().generate({ params, count: 200, excludeIds: new Set() });
  const questions = batch.questions.map((q) => ({ id: questionIdOf(q.prompt), ...q }));
  await writePoolQuestions(firestore, { poolKey, params, requestKey: 'bench', generatedAt: new Date().toISOString(), questions });
  log(`pool of ${questions.length} written: ${poolKey}`);

  // Reads per 1,000 draws within the TTL: the real reader, counting documents.
  const real = firestorePoolReader(firestore);
  const counts = { documents: 0 };
  const reader = {
    wholePool: async (key) => { const pool = await real.wholePool(key); counts.documents += pool.length; return pool; },
    question: async (key, id) => { counts.documents++; return real.question(key, id); },
  };
  const cache = new PoolCache(reader, { idsTtlMs: 10 * 60_000, questionsTtlMs: 60 * 60_000 });
  let memory = { seen: [], round: 1 };
  const cachedSamples = await timed(DRAWS, async () => {
    const ids = await cache.poolIds(poolKey);
    const next = pickUnseen(ids, memory, DRAW);
    memory = next;
    await cache.questionsOf(poolKey, next.picked);
  });
  const cacheReads = counts.documents;
  log(`${DRAWS} draws of ${DRAW}: ${cacheReads} document reads through the cache`);

  // Baseline, same run: the naive draw reads the id list and the drawn documents every time.
  let naiveMemory = { seen: [], round: 1 };
  const directSamples = await timed(200, async () => {
    const ids = await listPoolQuestionIds(firestore, poolKey);
    const next = pickUnseen(ids, naiveMemory, DRAW);
    naiveMemory = next;
    await readPoolQuestions(firestore, poolKey, next.picked);
  });

  // The whole domain draw, seen-memory transaction included (one read + one write per draw).
  const deps = { firestore, poolCache: cache, db: undefined, queue: undefined, generators: [], maxAttempts: 1 };
  const fullSamples = await timed(100, () => drawQuestions(deps, 'bench-player', { pool: params, count: DRAW }));

  // Near-duplicate detection on the tuning set and on the test set written blind to the detector,
  // both paths beside plain word Jaccard ≥ 0.5 on the prompts. The embeddings path runs against the
  // fake's /v1/embeddings: a simulated embedding model (scripts/lib/fakeEmbeddings.cjs), not a real one.
  const labelled = (file) => JSON.parse(fs.readFileSync(path.join(functionsDir, 'test', 'fixtures', file), 'utf8')).pairs;
  const side = ([prompt, choices, answerIndex]) => ({ prompt, choices, answerIndex });
  const words = (text) => new Set(text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter(Boolean));
  const jaccard = (a, b) => { let shared = 0; for (const x of a) if (b.has(x)) shared++; return shared / (a.size + b.size - shared); };
  const score = (pairs, flag) => {
    let tp = 0, fp = 0, fn = 0;
    for (const pair of pairs) {
      const flagged = flag(side(pair.a), side(pair.b), pair.lang);
      if (flagged && pair.label === 'dup') tp++; else if (flagged) fp++; else if (pair.label === 'dup') fn++;
    }
    return { precision: tp / (tp + fp), recall: tp / (tp + fn) };
  };
  const ourFlag = (a, b, lang) => similarity(signatureOf(a, lang), signatureOf(b, lang)) >= NEAR_DUPLICATE_THRESHOLD;
  const plainFlag = (a, b) => jaccard(words(a.prompt), words(b.prompt)) >= 0.5;
  const sets = { tuning: labelled('near-duplicates.json'), test: labelled('near-duplicates-test.json') };
  const embeddingStore = (apiKey, baseURL) => new PromptEmbeddingStore(new OpenAIEmbedder({ apiKey, baseURL, model: 'text-embedding-3-small', timeoutMs: 60_000 }), NEAR_DUPLICATE_COSINE);
  const simulated = embeddingStore('bench', openaiUrl);
  const nearDup = {};
  for (const [name, pairs] of Object.entries(sets)) {
    await simulated.prepare(pairs.flatMap((pair) => [pair.a[0], pair.b[0]]));
    const embeddingsFlag = (a, b, lang) => isNearDuplicateByEmbeddings(a, b, simulated.lookup(), lang);
    nearDup[name] = { ours: score(pairs, ourFlag), embeddings: score(pairs, embeddingsFlag), plain: score(pairs, plainFlag) };
    const pr = (s) => `P ${s.precision.toFixed(3)} R ${s.recall.toFixed(3)}`;
    log(`${name} set: ${pairs.length} pairs; lexical ${pr(nearDup[name].ours)}; embeddings (simulated model) ${pr(nearDup[name].embeddings)}; plain Jaccard ${pr(nearDup[name].plain)}`);
    if (process.env.OPENAI_API_KEY) {
      // The same path against the real model (a few thousand tokens); the threshold was chosen on the simulated one.
      const real = embeddingStore(process.env.OPENAI_API_KEY, process.env.OPENAI_BASE_URL || undefined);
      await real.prepare(pairs.flatMap((pair) => [pair.a[0], pair.b[0]]));
      nearDup[name].real = score(pairs, (a, b, lang) => isNearDuplicateByEmbeddings(a, b, real.lookup(), lang));
      log(`${name} set: embeddings with text-embedding-3-small ${pr(nearDup[name].real)}`);
    }
  }

  // Embedding tokens the screen pays to fill a pool: 200 facts questions offered in batches of 25, as
  // a generation screens a model's batches (each candidate embedded once; the pool stays cached on
  // the instance, so a cold instance pays once more for the pool it reads).
  const fillStore = embeddingStore('bench', openaiUrl);
  const fillParams = poolParamsSchema.parse({ lang: 'en', country: 'GB', level: 'medium', subject: 'geography', theme: 'world', type: 'mcq' });
  const offered = (await new FactsGenerator().generate({ params: fillParams, count: 200, excludeIds: new Set() })).questions;
  const filled = [];
  let embeddingTokens = 0;
  for (let start = 0; start < offered.length; start += 25) {
    const input = { lang: 'en', type: 'mcq', candidates: offered.slice(start, start + 25), pool: filled, limit: 200 - filled.length };
    embeddingTokens += (await fillStore.prepare(screenablePrompts(input))).tokens;
    filled.push(...screenCandidates({ ...input, embeddings: fillStore.lookup() }).accepted);
  }
  const embeddingTokensPer100 = (100 * embeddingTokens) / filled.length;
  log(`embeddings path: ${embeddingTokens} embedding tokens to store ${filled.length} of ${offered.length} questions (${embeddingTokensPer100.toFixed(0)} per 100 stored)`);
  cache.close();

  const p50 = percentile(cachedSamples.slice(10), 50);
  const p99 = percentile(cachedSamples.slice(10), 99);
  const directP50 = percentile(directSamples, 50);
  const directP99 = percentile(directSamples, 99);
  return [
    { name: 'pools: warm draw of 10, cache, p50', value: p50, unit: 'ms', baseline: 'direct Firestore reads p50', baselineValue: directP50, target: '≤ 1/10 of direct', met: p50 <= directP50 / 10 },
    { name: 'pools: warm draw of 10, cache, p99', value: p99, unit: 'ms', baseline: 'direct Firestore reads p99', baselineValue: directP99, target: '≤ 1/10 of direct', met: p99 <= directP99 / 10 },
    { name: 'pools: drawQuestions incl. seen-memory transaction, p50', value: percentile(fullSamples, 50), unit: 'ms', baseline: 'direct Firestore reads p50', baselineValue: directP50, target: '≤ 1.5 × direct reads (memory: 1 read + 1 write)', met: percentile(fullSamples, 50) <= directP50 * 1.5 },
    { name: 'pools: Firestore document reads per 1,000 draws (200-question pool, within TTL)', value: cacheReads, unit: 'reads', baseline: 'naive (10 reads per draw)', baselineValue: DRAWS * DRAW, target: '≤ 200 (each document once per TTL)', met: cacheReads <= 200 },
    { name: 'pools: near-duplicate precision, lexical default (test set, never tuned on)', value: nearDup.test.ours.precision, unit: '', baseline: 'plain word Jaccard ≥ 0.5', baselineValue: nearDup.test.plain.precision, target: '≥ 0.95', met: nearDup.test.ours.precision >= 0.95 },
    { name: 'pools: near-duplicate recall, lexical default (test set, never tuned on)', value: nearDup.test.ours.recall, unit: '', baseline: 'plain word Jaccard ≥ 0.5', baselineValue: nearDup.test.plain.recall, target: '≥ 0.9', met: nearDup.test.ours.recall >= 0.9 },
    { name: 'pools: near-duplicate precision, embeddings path, simulated model (test set, never tuned on)', value: nearDup.test.embeddings.precision, unit: '', baseline: 'plain word Jaccard ≥ 0.5', baselineValue: nearDup.test.plain.precision, target: '≥ 0.95', met: nearDup.test.embeddings.precision >= 0.95 },
    { name: 'pools: near-duplicate recall, embeddings path, simulated model (test set, never tuned on)', value: nearDup.test.embeddings.recall, unit: '', baseline: 'plain word Jaccard ≥ 0.5', baselineValue: nearDup.test.plain.recall, target: '≥ 0.9', met: nearDup.test.embeddings.recall >= 0.9 },
    { name: 'pools: near-duplicate precision, lexical default (tuning set)', value: nearDup.tuning.ours.precision, unit: '', baseline: 'plain word Jaccard ≥ 0.5', baselineValue: nearDup.tuning.plain.precision, target: '≥ 0.95', met: nearDup.tuning.ours.precision >= 0.95 },
    { name: 'pools: near-duplicate recall, lexical default (tuning set)', value: nearDup.tuning.ours.recall, unit: '', baseline: 'plain word Jaccard ≥ 0.5', baselineValue: nearDup.tuning.plain.recall, target: '≥ 0.8', met: nearDup.tuning.ours.recall >= 0.8 },
    { name: 'pools: near-duplicate precision, embeddings path, simulated model (tuning set)', value: nearDup.tuning.embeddings.precision, unit: '', baseline: 'plain word Jaccard ≥ 0.5', baselineValue: nearDup.tuning.plain.precision, target: '≥ 0.95', met: nearDup.tuning.embeddings.precision >= 0.95 },
    { name: 'pools: near-duplicate recall, embeddings path, simulated model (tuning set)', value: nearDup.tuning.embeddings.recall, unit: '', baseline: 'plain word Jaccard ≥ 0.5', baselineValue: nearDup.tuning.plain.recall, target: '≥ 0.8', met: nearDup.tuning.embeddings.recall >= 0.8 },
    { name: 'pools: embedding tokens per 100 stored questions (embeddings path, warm instance)', value: embeddingTokensPer100, unit: 'tokens', baseline: 'lexical path (tokens)', baselineValue: 0, target: null, met: null },
    ...(nearDup.test.real ? [
      { name: 'pools: near-duplicate recall, embeddings path, text-embedding-3-small (test set)', value: nearDup.test.real.recall, unit: '', baseline: 'simulated model', baselineValue: nearDup.test.embeddings.recall, target: '≥ 0.9', met: nearDup.test.real.recall >= 0.9 },
      { name: 'pools: near-duplicate precision, embeddings path, text-embedding-3-small (test set)', value: nearDup.test.real.precision, unit: '', baseline: 'simulated model', baselineValue: nearDup.test.embeddings.precision, target: '≥ 0.95', met: nearDup.test.real.precision >= 0.95 },
    ] : []),
  ];
}
