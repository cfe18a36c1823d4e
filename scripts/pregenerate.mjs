#!/usr/bin/env node
// `npm run pregenerate -- plan.json`: dry run, confirm, start a batch and follow it live.
// The progress bar is driven by a Firestore listener on generation_batches/{batchId} (no polling);
// Ctrl-C detaches and leaves the batch running. Options: docs/operations.md, "Pre-generate from the command line".
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline/promises';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { call, CallableError, signIn } from './lib/client.mjs';
import { repoRoot, requireFromFunctions } from './lib/paths.mjs';
import { functionsRegion } from './lib/region.mjs';

const PROJECT_ID = 'demo-question-factory';
// The functions' region: FUNCTIONS_REGION, as the deploy and the local stack read it.
const REGION = functionsRegion();

const program = new Command()
  .name('pregenerate')
  .description('Pre-generate question pools from a plan (JSON or CSV) as one batch, with live progress.')
  .argument('[plan]', 'plan file: JSON (list of pools, { pools }, or { matrix, targetCount }) or CSV')
  .option('--dry-run', 'show what the plan would do, create nothing')
  .option('--watch <batchId>', 're-attach to a running batch')
  .addOption(new Option('--mode <mode>', 'how to pay the model (default: the server picks batch for large plans when it has a key, else sync)').choices(['sync', 'batch']))
  .option('--name <name>', 'batch name')
  .option('-y, --yes', 'start without asking')
  .option('--emulator', 'use the local stack (npm start) with the demo admin account (default unless --project)')
  .option('--project <projectId>', 'a real Firebase project: credentials from GOOGLE_APPLICATION_CREDENTIALS (service account)')
  .option('--region <region>', 'functions region', REGION)
  .option('--api-key <key>', 'web API key of the project (real project only; or FIREBASE_API_KEY)')
  .option('--email <email>', 'admin account on the emulator', 'admin@example.com')
  .option('--password <password>', 'its password', 'admin-password')
  .option('--functions-url <url>', 'callable base URL (default: from firebase.json and QF_PORT_OFFSET, or the project)')
  .option('--auth-url <url>', 'Auth emulator URL (default: from firebase.json and QF_PORT_OFFSET)')
  .option('--firestore-host <host:port>', 'Firestore emulator (default: FIRESTORE_EMULATOR_HOST or firebase.json)')
  .option('--rows <n>', 'pools listed in the final table', (v) => Number.parseInt(v, 10), 40)
  .showHelpAfterError();

function emulatorPorts() {
  const config = JSON.parse(fs.readFileSync(path.join(repoRoot, 'firebase.json'), 'utf8')).emulators;
  const offset = Number(process.env.QF_PORT_OFFSET ?? 0);
  return { functions: config.functions.port + offset, auth: config.auth.port + offset, firestore: config.firestore.port + offset };
}

/** Callable base URL, an ID token with the admin claim, and Firestore (firebase-admin) for the listener. */
async function connect(options) {
  if (options.project) {
    // A service account mints a custom token carrying the admin claim, exchanged for an ID token.
    const { initializeApp, applicationDefault } = requireFromFunctions('firebase-admin/app');
    const { getAuth } = requireFromFunctions('firebase-admin/auth');
    const { getFirestore } = requireFromFunctions('firebase-admin/firestore');
    const apiKey = options.apiKey ?? process.env.FIREBASE_API_KEY;
    if (!apiKey) throw new Error('--api-key (or FIREBASE_API_KEY) is needed to sign in to a real project');
    const app = initializeApp({ credential: applicationDefault(), projectId: options.project });
    const customToken = await getAuth(app).createCustomToken('pregenerate-cli', { admin: true });
    const response = await fetch(`https://identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken?key=${apiKey}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: customToken, returnSecureToken: true }),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(`sign-in with the service account failed: ${JSON.stringify(body.error ?? body)}`);
    return {
      functionsUrl: options.functionsUrl ?? `https://${options.region}-${options.project}.cloudfunctions.net`,
      idToken: body.idToken,
      firestore: getFirestore(app),
      where: `project ${options.project}`,
    };
  }
  const ports = emulatorPorts();
  process.env.FIRESTORE_EMULATOR_HOST = options.firestoreHost ?? process.env.FIRESTORE_EMULATOR_HOST ?? `127.0.0.1:${ports.firestore}`;
  // The emulators need no Google credentials: without these, the auth library probes the metadata
  // server of a Google Cloud VM (a 403/ENOTFOUND warning on any other machine).
  process.env.GCLOUD_PROJECT = PROJECT_ID;
  process.env.METADATA_SERVER_DETECTION = 'none';
  const { initializeApp } = requireFromFunctions('firebase-admin/app');
  const { getFirestore } = requireFromFunctions('firebase-admin/firestore');
  const authUrl = options.authUrl ?? `http://127.0.0.1:${ports.auth}`;
  const { idToken } = await signIn(authUrl, options.email, options.password);
  return {
    functionsUrl: options.functionsUrl ?? `http://127.0.0.1:${ports.functions}/${PROJECT_ID}/${options.region}`,
    idToken,
    firestore: getFirestore(initializeApp({ projectId: PROJECT_ID })),
    where: 'the local emulators',
  };
}

function readPlan(file) {
  const text = fs.readFileSync(file, 'utf8');
  if (/\.csv$/i.test(file)) return csvPlan(text);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not valid JSON: ${error.message}`);
  }
}

/** CSV: a header of pool fields plus targetCount, one pool per line. */
function csvPlan(text) {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const [header, ...rows] = lines;
  const columns = (header ?? '').split(',').map((c) => c.trim());
  return rows.map((line) => {
    const cells = line.split(',').map((c) => c.trim());
    const pool = {};
    let targetCount;
    columns.forEach((column, i) => {
      const cell = cells[i];
      if (cell === undefined || cell === '') return;
      const value = /^\d+$/.test(cell) && (column === 'version' || column === 'targetCount') ? Number(cell) : cell;
      if (column === 'targetCount') targetCount = value;
      else pool[column] = value;
    });
    return { pool, targetCount };
  });
}

const usd = (n) => `$${Number(n ?? 0).toFixed(4)}`;
const int = (n) => Number(n ?? 0).toLocaleString('en-US');

function printDryRun(plan) {
  const table = new Table({ head: ['pools', 'new', 'already done', 'in flight', 'model calls', 'tokens in', 'tokens out', 'cost', 'sync cost'] });
  table.push([plan.total, plan.newPools, plan.alreadyDone, plan.inFlight, int(plan.estimate.modelCalls), int(plan.estimate.tokensIn), int(plan.estimate.tokensOut), usd(plan.estimate.costUsd), usd(plan.estimate.syncCostUsd)]);
  console.log(`Batch ${plan.batchId} (${plan.name}, ${plan.mode} mode)`);
  console.log(table.toString());
}

function printSummary(view, rows) {
  const { batch, requests } = view;
  const pools = new Table({ head: ['pool', 'target', 'status', 'questions', 'tokens in', 'tokens out', 'cost', 'error'] });
  for (const r of requests.slice(0, rows)) {
    pools.push([r.poolKey, r.targetCount, r.status, r.questions, int(r.tokensIn), int(r.tokensOut), usd(r.costUsd), (r.lastError ?? '').slice(0, 40)]);
  }
  console.log(pools.toString());
  if (requests.length > rows) console.log(`… and ${requests.length - rows} more pools (getBatch has them all)`);
  const totals = new Table({ head: ['status', 'done', 'failed', 'cancelled', 'pending', 'running', 'questions', 'tokens in', 'cached in', 'tokens out', 'cost', 'same work in sync mode'] });
  totals.push([batch.status, batch.done, batch.failed, batch.cancelled, batch.pending, batch.running, int(batch.questionsWritten), int(batch.tokensIn), int(batch.cachedTokensIn), int(batch.tokensOut), usd(batch.actualCostUsd), usd(batch.syncCostUsd)]);
  console.log(totals.toString());
}

const finished = (doc) => doc.status === 'done' || doc.status === 'failed' || (doc.status === 'cancelled' && doc.finishedAt);

/** Follows generation_batches/{batchId} with a listener until the batch is final; resolves with the last snapshot. */
function follow(firestore, batchId, started) {
  const bar = new cliProgress.SingleBar({
    format: 'pools {bar} {value}/{total} | done {done} failed {failed} running {running} pending {pending} | {questions} questions | tokens {tokens} | ETA {eta_formatted}',
    noTTYOutput: true,
    notTTYSchedule: 2000,
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  let lastSeq = -1;
  let barStarted = false;
  return new Promise((resolve, reject) => {
    const unsubscribe = firestore.collection('generation_batches').doc(batchId).onSnapshot((snapshot) => {
      const doc = snapshot.data();
      if (!doc || Number(doc.seq ?? 0) <= lastSeq) return;
      lastSeq = Number(doc.seq ?? 0);
      const value = doc.done + doc.failed + doc.cancelled;
      const payload = { done: doc.done, failed: doc.failed, running: doc.running, pending: doc.pending, questions: int(doc.questionsWritten), tokens: int(doc.tokensIn + doc.tokensOut) };
      if (!barStarted) {
        bar.start(doc.total, value, payload);
        barStarted = true;
      } else bar.update(value, payload);
      if (finished(doc)) {
        bar.stop();
        unsubscribe();
        resolve(doc);
      }
    }, (error) => {
      if (barStarted) bar.stop();
      reject(error);
    });
    // Ctrl-C: the batch runs on the server; only this view stops.
    process.once('SIGINT', () => {
      if (barStarted) bar.stop();
      unsubscribe();
      console.log(`\nDetached. Batch ${batchId} keeps running on the server.`);
      console.log(`Re-attach with: npm run pregenerate -- --watch ${batchId}${started.flags}`);
      process.exit(130);
    });
  });
}

async function main() {
  program.parse();
  const [planFile] = program.args;
  const options = program.opts();
  if (!planFile && !options.watch) program.error('give a plan file, or --watch <batchId>');
  const conn = await connect(options);
  const callAs = (name, data) => call(conn.functionsUrl, name, data, conn.idToken);
  const flags = options.project ? ` --project ${options.project}` : '';

  let batchId = options.watch;
  let startPromise;
  if (!batchId) {
    const plan = readPlan(planFile);
    const dry = await callAs('createBatch', { plan, ...(options.mode ? { mode: options.mode } : {}), dryRun: true, ...(options.name ? { name: options.name } : {}) });
    printDryRun(dry);
    if (options.dryRun) return 0;
    if (!options.yes) {
      const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question(`Start this batch on ${conn.where}? [y/N] `);
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        console.log('Nothing started.');
        return 0;
      }
    }
    const created = await callAs('createBatch', { plan, mode: dry.mode, dryRun: false, ...(options.name ? { name: options.name } : {}) });
    batchId = created.batchId;
    console.log(`Batch ${batchId} ${created.created === false ? 'already existed' : 'created'}; starting.`);
    // The listener attaches first: the bar moves while the server is still accepting pools.
    startPromise = callAs('startBatch', { batchId });
    startPromise.catch(() => undefined);
  }
  const last = follow(conn.firestore, batchId, { flags });
  if (startPromise) await startPromise;
  await last;
  const view = await callAs('getBatch', { batchId });
  printSummary(view, options.rows);
  await conn.firestore.terminate().catch(() => undefined);
  return view.batch.failed > 0 || view.batch.status === 'failed' || view.batch.status === 'cancelled' ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof CallableError) {
      console.error(`error: ${error.message}`);
      for (const issue of error.details?.issues ?? []) console.error(`  ${issue.position === null || issue.position === undefined ? 'plan' : `#${issue.position}`} ${issue.field}: ${issue.rule}`);
    } else console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  },
);
