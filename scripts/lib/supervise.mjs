// Runs one long-lived child (Postgres, the Firestore jar, firebase-tools) in its own process group
// and guarantees it dies with whoever started us: on an explicit "stop" message, on SIGTERM/SIGINT,
// and — the case signals cannot cover — when our parent disappears (crash, SIGKILL), which closes
// the IPC channel. Usage: node supervise.mjs '<json spec>'
import { spawn } from 'node:child_process';
import { existsSync, openSync, rmSync } from 'node:fs';

const spec = JSON.parse(process.argv[2]);
const graceMs = spec.graceMs ?? 10_000;

const output = spec.logFile ? openSync(spec.logFile, 'a') : 'inherit';
const child = spawn(spec.command, spec.args ?? [], {
  cwd: spec.cwd,
  env: { ...process.env, ...(spec.env ?? {}) },
  stdio: ['ignore', output, output],
  detached: true, // own process group: we can kill everything it forks, and Ctrl-C is ours to route
  uid: spec.uid,
  gid: spec.gid,
});

let stopping = false;
function killGroup(signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // group already gone
  }
}

function stop() {
  if (stopping) return;
  stopping = true;
  killGroup(spec.stopSignal ?? 'SIGTERM');
  setTimeout(() => killGroup('SIGKILL'), graceMs).unref();
}

child.on('exit', (code, signal) => {
  // Whatever the child left in its group (workers, JVM helpers) goes with it.
  killGroup('SIGKILL');
  if (!(spec.keepIfExists && existsSync(spec.keepIfExists))) {
    for (const dir of spec.removeOnExit ?? []) rmSync(dir, { recursive: true, force: true });
  }
  if (process.connected) {
    try {
      process.send({ type: 'exit', code, signal });
    } catch {
      // parent gone
    }
  }
  process.exit(code ?? (signal ? 1 : 0));
});

process.on('message', (message) => {
  if (message && message.type === 'stop') stop();
});
process.on('disconnect', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('SIGHUP', stop);
