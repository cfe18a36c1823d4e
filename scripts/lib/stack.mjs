// The local stack, shared by `npm start`, `npm test` and `npm run bench`:
// Side by side: Postgres (embedded unless DATABASE_URL) → migrations; the Firestore emulator
// (firebase-tools' own with Java 21+, else the gcloud jar on Java 17); the build if stale → firebase emulators.
import fs from 'node:fs';
import path from 'node:path';
import { buildConsole, consoleOutDir } from './console.mjs';
import { functionsRegion } from './region.mjs';
import { chooseFirestoreRunner, startGcloudFirestore } from './firestore.mjs';
import { functionsDir, repoRoot } from './paths.mjs';
import { buildIfStale } from './build.mjs';
import { withContentSecurityPolicy } from './hostingHeaders.mjs';
import { freePort, isPortInUse, waitFor } from './ports.mjs';
import { embeddedPostgresUrl, startPostgres } from './postgres.mjs';
import { startSupervised, stopAll } from './processes.mjs';

export const PROJECT_ID = 'demo-question-factory';
export { functionsRegion } from './region.mjs';
export const REGION = functionsRegion();
const EMULATOR_DATA = path.join(repoRoot, 'emulator-data');

/** The test and bench profiles shift every port so they can run beside `npm start`. */
const PORT_OFFSET = { start: 0, test: 10_000, bench: 20_000 };

function emulatorConfig(profile) {
  const base = JSON.parse(fs.readFileSync(path.join(repoRoot, 'firebase.json'), 'utf8'));
  // QF_PORT_OFFSET moves a whole stack aside, for two checkouts testing on one machine.
  const offset = PORT_OFFSET[profile] + Number(process.env.QF_PORT_OFFSET ?? 0);
  const emulators = {};
  for (const [name, value] of Object.entries(base.emulators)) {
    emulators[name] = value && typeof value === 'object' && 'port' in value ? { ...value, port: value.port + offset } : value;
  }
  const configPath = path.join(repoRoot, `firebase.${profile}.local.json`);
  // Each profile serves its own console build: its emulators.json names that profile's ports. Its CSP
  // is the production one plus the local emulators (firebase.json's names no localhost).
  const hosting = withContentSecurityPolicy(
    { ...base.hosting, public: path.relative(repoRoot, consoleOutDir(profile)) },
    { projectId: PROJECT_ID, region: REGION, local: true },
  );
  fs.writeFileSync(configPath, JSON.stringify({ ...base, hosting, emulators }, null, 2));
  return { configPath, emulators };
}

export async function migrate(databaseUrl) {
  const { runner } = await import(path.join(functionsDir, 'node_modules', 'node-pg-migrate', 'dist', 'bundle', 'index.js'));
  return runner({
    databaseUrl,
    dir: path.join(functionsDir, 'migrations'),
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Infinity,
    log: () => {},
    noLock: false,
  });
}

/** Discovery provider keys; unset ones are written as "none" (the provider reports itself unconfigured). */
const DISCOVERY_SECRETS = ['TMDB_API_TOKEN', 'RAWG_API_KEY', 'IGDB_CLIENT_ID', 'IGDB_CLIENT_SECRET'];

/**
 * Local-only values for the functions emulator: secrets in functions/.secret.local, params in
 * functions/.env.local (both git-ignored, rewritten at every start so no stale value survives).
 */
function writeLocalFile(name, values, mode = 0o644) {
  const lines = Object.entries(values)
    .filter(([, value]) => value !== undefined && value !== '')
    .map(([key, value]) => `${key}=${value}`);
  fs.writeFileSync(path.join(functionsDir, name), `${lines.join('\n')}\n`, { mode });
}

async function waitForLog(logFile, server, { ready, failure, timeoutMs }) {
  await waitFor('firebase emulators', async () => {
    const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    const failed = failure.find((pattern) => pattern.test(text));
    if (failed) {
      const error = new Error(`firebase emulators failed (${failed}); see ${logFile}`);
      error.fatal = true;
      throw error;
    }
    return ready.test(text);
  }, { timeoutMs, intervalMs: 250, alive: () => !server.exited }).catch((error) => {
    const tail = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-40).join('\n') : '';
    throw new Error(`${error.message}\n--- last lines of ${logFile} ---\n${tail}`);
  });
}

/**
 * @param {{ profile?: 'start'|'test'|'bench', log?: (line: string) => void, env?: Record<string,string>,
 *           params?: Record<string,string|number>, secrets?: Record<string,string>, skipImport?: boolean }} options
 */
export async function startStack({ profile = 'start', log = () => {}, env = {}, params = {}, secrets = {}, skipImport = false } = {}) {
  const started = Date.now();
  const { configPath, emulators } = emulatorConfig(profile);
  const host = '127.0.0.1';

  for (const [name, value] of Object.entries(emulators)) {
    if (value && typeof value === 'object' && 'port' in value && (await isPortInUse(value.port))) {
      throw new Error(`port ${value.port} (${name} emulator) is already in use: is another stack running?`);
    }
  }

  try {
    const firestoreRunner = chooseFirestoreRunner();
    // Known before anything starts, so the independent parts can start side by side: the build
    // (usually nothing: npm install built it), Postgres + migrations, the Firestore emulator, and
    // firebase-tools as soon as the functions are built.
    const postgresPort = process.env.DATABASE_URL ? undefined : await freePort();
    const databaseUrl = process.env.DATABASE_URL || embeddedPostgresUrl(postgresPort);
    const built = buildIfStale({ log });
    // When each part became ready (epoch ms): `npm start` prints them as its phases.
    const readyAt = {};
    const postgresReady = startPostgres({ log, port: postgresPort }).then(async (postgres) => {
      await migrate(postgres.url);
      log('migrations applied');
      readyAt.postgres = Date.now();
      return postgres;
    });

    const firestoreHost = `${host}:${emulators.firestore.port}`;
    const seedFromExport = path.join(EMULATOR_DATA, 'firestore_export', 'firestore_export.overall_export_metadata');
    const only = ['functions', 'tasks', 'auth', 'hosting'];
    let firestoreReady = Promise.resolve();
    if (firestoreRunner.mode === 'gcloud-jar') {
      log(`Firestore emulator: gcloud jar on Java ${firestoreRunner.java} (firebase-tools needs Java 21+)`);
      firestoreReady = startGcloudFirestore({
        jar: firestoreRunner.jar,
        host,
        port: emulators.firestore.port,
        projectId: PROJECT_ID,
        rulesFile: path.join(repoRoot, 'firestore.rules'),
        seedFromExport: fs.existsSync(seedFromExport) ? seedFromExport : undefined,
      });
    } else {
      log(`Firestore emulator: firebase-tools (Java ${firestoreRunner.java})`);
      only.push('firestore');
    }
    firestoreReady = firestoreReady.then(() => { readyAt.firestore = Date.now(); });
    // Each is awaited below; until then a failure must not count as unhandled.
    for (const pending of [built, postgresReady, firestoreReady]) pending.catch(() => undefined);

    await built;
    await buildConsole({
      outDir: consoleOutDir(profile),
      emulators: { projectId: PROJECT_ID, region: REGION, auth: emulators.auth.port, functions: emulators.functions.port, firestore: emulators.firestore.port },
    });
    log('admin console built (esbuild)');
    // "none" rather than nothing: an absent secret sends the emulator to Secret Manager. firebase-tools
    // gives functions/.env.local precedence over its environment (and writes defaults there), so the
    // stack owns that file too.
    const discoverySecrets = Object.fromEntries(DISCOVERY_SECRETS.map((name) => [name, secrets[name] ?? process.env[name] ?? 'none']));
    // GAME_SERVER_SECRET "none" keeps the live-game ingest endpoint closed unless a value is given.
    writeLocalFile('.secret.local', { DATABASE_URL: databaseUrl, OPENAI_API_KEY: process.env.OPENAI_API_KEY || 'none', GAME_SERVER_SECRET: process.env.GAME_SERVER_SECRET || 'none', ...discoverySecrets, ...secrets }, 0o600);
    // App Check stays off locally (plain SDK clients, no attestation provider offline); production defaults to on.
    writeLocalFile('.env.local', { FUNCTIONS_REGION: REGION, APP_CHECK_ENFORCE: 'false', ...params });

    const logDir = path.join(repoRoot, '.logs');
    fs.mkdirSync(logDir, { recursive: true });
    const logFile = path.join(logDir, `emulators-${profile}.log`);
    fs.writeFileSync(logFile, '');
    const firebaseBin = path.join(repoRoot, 'node_modules', '.bin', 'firebase');
    const stackEnv = {
      FIRESTORE_EMULATOR_HOST: firestoreHost,
      FIREBASE_AUTH_EMULATOR_HOST: `${host}:${emulators.auth.port}`,
      CLOUD_TASKS_EMULATOR_HOST: `${host}:${emulators.tasks.port}`,
      GCLOUD_PROJECT: PROJECT_ID,
    };
    const emulatorProcess = startSupervised('firebase emulators', {
      command: firebaseBin,
      args: [
        'emulators:start', '--config', configPath, '--project', PROJECT_ID, '--only', only.join(','),
        ...(fs.existsSync(path.join(EMULATOR_DATA, 'firebase-export-metadata.json')) && !skipImport ? ['--import', EMULATOR_DATA] : []),
      ],
      cwd: repoRoot,
      env: {
        ...stackEnv,
        ...env,
        // The functions emulator inherits this environment; Postgres reaches it through .secret.local.
        NO_UPDATE_NOTIFIER: '1',
        // The emulator starts one worker process per concurrent request; on 2 cores a burst of 50
        // cold starts needs longer than its 30 s default to load.
        FUNCTIONS_DISCOVERY_TIMEOUT: process.env.FUNCTIONS_DISCOVERY_TIMEOUT ?? '180',
        METADATA_SERVER_DETECTION: 'none',
        // The functions emulator runs functions on the first `node` on PATH: make it the project's Node 22.
        PATH: `${path.join(repoRoot, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`,
        FIREBASE_CLI_DISABLE_UPDATE_CHECK: 'true',
        CI: process.env.CI ?? '',
      },
      logFile,
      graceMs: 15_000,
    });
    const [postgres] = await Promise.all([
      postgresReady,
      firestoreReady,
      waitForLog(logFile, emulatorProcess, {
        ready: /All emulators ready/,
        failure: [/Failed to load function definition/, /Error: .*port taken/i, /Could not start/],
        timeoutMs: 120_000,
      }).then(() => { readyAt.emulators = Date.now(); }),
    ]);
    log(`stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    return {
      projectId: PROJECT_ID,
      region: REGION,
      databaseUrl: postgres.url,
      logFile,
      env: stackEnv,
      urls: {
        functions: `http://${host}:${emulators.functions.port}/${PROJECT_ID}/${REGION}`,
        firestore: `http://${firestoreHost}`,
        auth: `http://${host}:${emulators.auth.port}`,
        tasks: `http://${host}:${emulators.tasks.port}`,
        hosting: `http://${host}:${emulators.hosting.port}`,
        hub: `http://${host}:${emulators.hub.port}`,
      },
      ports: Object.fromEntries(Object.entries(emulators).filter(([, v]) => v && v.port).map(([k, v]) => [k, v.port])),
      postgres,
      readyAt,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
