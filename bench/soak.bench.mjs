// Soak (issue 16 §4): the scale group's mixed load (new paid requests, duplicates, draws) through the
// emulated callables at a modest rate while random fault points of the accept and generation paths
// throw, then the harness's invariants counted over everything the load created. Loopback only;
// bounded: at most 6 calls in flight, 60 s of load, at most 100 s to converge.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { functionsDir } from '../scripts/lib/paths.mjs';
import { call } from '../scripts/lib/client.mjs';

export const name = 'soak';
export const description = 'mixed load through the emulated callables for 60 s while 5% of accept and generation fault points throw, then every request checked against the invariants (about 3 minutes)';

const require = createRequire(path.join(functionsDir, 'package.json'));
const lib = (file) => require(path.join(functionsDir, 'lib', file));

const LOAD_SECONDS = 60;
const PER_MINUTE = 120;
const MAX_IN_FLIGHT = 6;
const CONVERGE_MS = 100_000;
const PROBABILITY = 0.05;
const FINAL = new Set(['done', 'failed', 'cancelled']);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function signUp(authUrl, tag, i) {
  const response = await fetch(`${authUrl}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=demo-api-key`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `soak-${tag}-${i}@example.com`, password: 'soak-soak', returnSecureToken: true }),
  });
  const body = await response.json();
  if (!response.ok) throw new Error(`sign-up failed: ${JSON.stringify(body)}`);
  return { uid: body.localId, idToken: body.idToken };
}

async function triggerSweeper(stack) {
  const response = await fetch(`${new URL(stack.urls.functions).origin}/functions/projects/${stack.projectId}/triggers/${stack.region}-sweepGenerationRequests-0`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
  });
  await response.text();
}

export async function run({ stack, openaiUrl, faultPlanFile, log }) {
  process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
  process.env.GCLOUD_PROJECT = stack.projectId;
  const { Pool } = require('pg');
  const { getFirestoreDb } = lib('shared/firebase.js');
  const { writePoolQuestions, listPoolQuestionIds } = lib('pools/poolStore.js');
  const { FactsGenerator } = lib('questions/facts/factsGenerator.js');
  const { questionIdOf } = lib('questions/question.js');
  const { poolParamsSchema, poolKeyOf } = lib('questions/poolParams.js');
  const db = new Pool({ connectionString: stack.databaseUrl, max: 4 });
  const firestore = getFirestoreDb();
  const tag = randomBytes(3).toString('hex');
  // Already a slug (poolParams keeps [a-z0-9-]), so Postgres' params and the fake's counts share it.
  const theme = `soak-${tag}`;
  try {
    // Work left by an earlier group would queue ahead of the soak's tasks and take its faults: start
    // from an idle queue (or say plainly that the run did not).
    const busy = async () => (await db.query(`SELECT count(*)::int AS n FROM generation_requests WHERE status IN ('pending', 'running')`)).rows[0].n;
    for (const deadline = Date.now() + 120_000; (await busy()) > 0 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 2_000));
    const backlog = await busy();
    if (backlog > 0) log(`soak: ${backlog} requests of earlier groups still pending or running after 120 s; figures below include their interference`);
    const users = [];
    for (let i = 0; i < 12; i += 1) users.push(await signUp(stack.urls.auth, tag, i));
    const drawPools = [];
    for (const poolTheme of ['world', 'flags']) {
      const params = poolParamsSchema.parse({ lang: 'en', country: 'NO', level: 'easy', subject: 'geography', theme: poolTheme, type: 'mcq', version: 1 + Math.floor(Math.random() * 999) });
      const batch = await new FactsGenerator().generate({ params, count: 100, excludeIds: new Set() });
      await writePoolQuestions(firestore, { poolKey: poolKeyOf(params), params, requestKey: 'soak', generatedAt: new Date().toISOString(), questions: batch.questions.map((q) => ({ id: questionIdOf(q.prompt), ...q })) });
      drawPools.push(params);
    }
    const pick = (list) => list[Math.floor(Math.random() * list.length)];
    let serial = 0;
    // Paid ("cinema" only the model serves) and small: one model call each, counted by the fake per theme.
    const newRequest = () => ({ pool: { lang: 'en', country: 'SE', level: 'medium', subject: 'cinema', theme, type: 'mcq', version: 1 + (serial++ % 1000) }, targetCount: 2 + Math.floor(Math.random() * 8) });
    const existing = [];

    const attemptsByCode = {};
    const finalByCode = {};
    let completed = 0;
    /** The app's behaviour: an `unavailable` answer is retried (up to 3 times, 1 s apart). */
    const callAsApp = async (callable, data, user) => {
      for (let attempt = 1; ; attempt += 1) {
        try {
          return await call(stack.urls.functions, callable, data, user.idToken);
        } catch (error) {
          const code = String(error.status ?? 'transport');
          attemptsByCode[code] = (attemptsByCode[code] ?? 0) + 1;
          if (code !== 'UNAVAILABLE' || attempt >= 4) throw error;
          await sleep(1_000);
        }
      }
    };

    fs.rmSync(`${faultPlanFile}.fired`, { force: true });
    fs.writeFileSync(faultPlanFile, JSON.stringify({ probability: PROBABILITY, paths: ['accept', 'generation'] }));
    const total = Math.round((PER_MINUTE / 60) * LOAD_SECONDS);
    const interval = 60_000 / PER_MINUTE;
    const started = performance.now();
    let inFlight = 0;
    let deferred = 0;
    const ops = [];
    let offered = 0;
    // Offered at the rate while a slot is free, for LOAD_SECONDS at most (a slow machine offers fewer).
    for (let i = 0; i < total && performance.now() - started < LOAD_SECONDS * 1000; i += 1) {
      const wait = started + i * interval - performance.now();
      if (wait > 1) await sleep(wait);
      while (inFlight >= MAX_IN_FLIGHT) { deferred += 1; await sleep(50); }
      offered += 1;
      const roll = Math.random();
      const user = pick(users);
      inFlight += 1;
      const op = roll < 0.1 || existing.length === 0
        ? (async () => { const input = newRequest(); existing.push(input); await callAsApp('requestGeneration', input, user); })()
        : roll < 0.5
          ? callAsApp('requestGeneration', pick(existing), user)
          : callAsApp('drawQuestions', { pool: pick(drawPools), count: 5 }, user);
      ops.push(op.then(() => { completed += 1; }, (error) => {
        const code = String(error.status ?? 'transport');
        finalByCode[code] = (finalByCode[code] ?? 0) + 1;
      }).finally(() => { inFlight -= 1; }));
    }
    await Promise.all(ops);
    const loadSeconds = (performance.now() - started) / 1000;
    fs.rmSync(faultPlanFile, { force: true });
    await sleep(1_500); // every function has re-read the (now absent) plan
    const fired = fs.existsSync(`${faultPlanFile}.fired`) ? fs.readFileSync(`${faultPlanFile}.fired`, 'utf8').split('\n').filter(Boolean) : [];
    const firedAt = {};
    for (const point of fired) firedAt[point] = (firedAt[point] ?? 0) + 1;
    log(`soak load: ${completed}/${offered} calls completed (${total} planned) in ${loadSeconds.toFixed(0)} s (${deferred} waits for a free slot); ${fired.length} faults fired: ${JSON.stringify(firedAt)}`);
    log(`soak errors answered (before the app's retries): ${JSON.stringify(attemptsByCode)}; after them: ${JSON.stringify(finalByCode)}`);

    // Convergence: Cloud Tasks retries with its backoff; the sweeper runs (every 2 minutes in
    // production, every 20 s here) for work whose task was lost.
    const mine = async () => (await db.query(`SELECT * FROM generation_requests WHERE params->>'theme' = $1`, [theme])).rows;
    const convergeStarted = Date.now();
    let rows = await mine();
    let lastSweep = Date.now();
    while (rows.some((r) => !FINAL.has(r.status)) && Date.now() - convergeStarted < CONVERGE_MS) {
      await sleep(2_000);
      if (Date.now() - lastSweep > 20_000) { await triggerSweeper(stack); lastSweep = Date.now(); }
      rows = await mine();
    }
    const convergeSeconds = (Date.now() - convergeStarted) / 1000;
    // What a request that did not converge was doing, for whoever reads the log.
    for (const row of rows.filter((r) => !FINAL.has(r.status))) {
      const attempts = (await db.query(`SELECT attempt, outcome, error FROM generation_attempts WHERE request_key = $1 ORDER BY attempt`, [row.request_key])).rows;
      log(`soak: not final ${row.request_key.slice(0, 12)} ${row.status} attempt ${row.attempt_count ?? row.attempts ?? '?'} target ${row.target_count} lease ${row.lease_expires_at?.toISOString?.() ?? null} enqueued ${row.enqueued_at?.toISOString?.() ?? null} error ${row.last_error ?? null}; attempts ${JSON.stringify(attempts)}`);
    }

    // The invariants, counted over every request the load created.
    const violations = { notFinal: 0, poolNotResult: 0, mirrorNotPostgres: 0, requesterUnreadable: 0, held: 0 };
    for (const row of rows) {
      if (!FINAL.has(row.status)) violations.notFinal += 1;
      const stored = (row.result?.questions ?? []).map((q) => q.id).sort();
      const inPool = (await listPoolQuestionIds(firestore, row.pool_key)).sort();
      if (row.status === 'done' && JSON.stringify(stored) !== JSON.stringify(inPool)) violations.poolNotResult += 1;
      const status = (await firestore.collection('generation_status').doc(row.request_key).get()).data()?.status;
      if (status !== row.status) violations.mirrorNotPostgres += 1;
      if (FINAL.has(row.status) && (row.lease_expires_at || row.held_by_job || row.reserved_day)) violations.held += 1;
    }
    const requesters = (await db.query(`SELECT q.request_key, q.uid, q.mirrored FROM generation_requesters q JOIN generation_requests r USING (request_key) WHERE r.params->>'theme' = $1`, [theme])).rows;
    for (const requester of requesters) {
      const doc = await firestore.collection('generation_status').doc(requester.request_key).collection('requesters').doc(requester.uid).get();
      if (!doc.exists || !requester.mirrored) violations.requesterUnreadable += 1;
    }
    const reserved = (await db.query(`SELECT coalesce(sum(reserved), 0)::int AS reserved, coalesce(sum(in_flight), 0)::int AS in_flight FROM usage_daily WHERE subject = ANY($1)`, [users.map((u) => `user:${u.uid}`)])).rows[0];
    violations.held += reserved.reserved > 0 || reserved.in_flight > 0 ? 1 : 0;
    // The prompt spells the slug's dashes as spaces: the fake counts under that.
    const calls = await (await fetch(`${openaiUrl.replace(/\/v1$/, '')}/_control/calls?theme=${encodeURIComponent(theme.replace(/-/g, ' '))}`)).json();
    const billed = [...calls.tokens, ...calls.verificationTokens].reduce((a, b) => a + b, 0);
    const charged = rows.reduce((n, r) => n + Number(r.tokens_in) + Number(r.tokens_out), 0);
    // Each request here needs one call (≤ 10 questions); a call more is one whose answer an injected
    // failure between the answer and the store threw away: paid again, never for the same questions kept.
    const needed = rows.filter((r) => r.status === 'done').length;
    const repaid = calls.calls - needed;
    const allowedRepaid = firedAt['generation.afterModelCall'] ?? 0;
    const invariantViolations = Object.values(violations).reduce((a, b) => a + b, 0) + (billed !== charged ? 1 : 0) + (repaid > allowedRepaid ? 1 : 0);
    const byStatus = {};
    for (const row of rows) byStatus[row.status] = (byStatus[row.status] ?? 0) + 1;
    log(`soak converged in ${convergeSeconds.toFixed(0)} s: ${rows.length} requests ${JSON.stringify(byStatus)}, ${requesters.length} requesters`);
    log(`soak invariants: ${JSON.stringify(violations)}; tokens billed ${billed} (writer and verifier), charged ${charged}; model calls ${calls.calls} for ${needed} done requests (re-paid ${repaid}, afterModelCall faults ${allowedRepaid})`);
    const internal = (attemptsByCode.INTERNAL ?? 0);
    const checks = rows.length * 5 + requesters.length + 3;
    return [
      { name: `soak: calls completed under ${PROBABILITY * 100}% injected faults (after the app's retries of unavailable)`, value: completed, unit: 'calls', baseline: 'offered', baselineValue: offered, target: null, met: null },
      { name: 'soak: faults injected (accept and generation points)', value: fired.length, unit: 'faults', baseline: 'probability at each point reached', baselineValue: PROBABILITY, target: null, met: null },
      { name: 'soak: internal errors answered', value: internal, unit: 'errors', baseline: 'all error answers', baselineValue: Object.values(attemptsByCode).reduce((a, b) => a + b, 0), target: '0', met: internal === 0 },
      { name: `soak: invariant violations at the end (${checks} checks over ${rows.length} requests)`, value: invariantViolations, unit: 'violations', baseline: 'requests', baselineValue: rows.length, target: '0', met: invariantViolations === 0 },
    ];
  } finally {
    fs.rmSync(faultPlanFile, { force: true });
    await db.end();
  }
}
