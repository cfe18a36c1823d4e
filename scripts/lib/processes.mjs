// Starts long-lived children through supervise.mjs and stops them in reverse order.
// Every child dies with this process, however this process ends.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const supervisor = fileURLToPath(new URL('./supervise.mjs', import.meta.url));
const running = [];

export function startSupervised(name, spec) {
  const proc = fork(supervisor, [JSON.stringify(spec)], {
    stdio: ['ignore', spec.quiet ? 'ignore' : 'inherit', spec.quiet ? 'ignore' : 'inherit', 'ipc'],
    detached: true, // Ctrl-C reaches us only; we stop children in order
  });
  let exited = false;
  const exit = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });
  const handle = {
    name,
    pid: proc.pid,
    exit,
    get exited() {
      return exited;
    },
    async stop() {
      if (exited) return exit;
      try {
        proc.send({ type: 'stop' });
      } catch {
        proc.kill('SIGTERM');
      }
      return exit;
    },
  };
  running.push(handle);
  exit.then(() => {
    const index = running.indexOf(handle);
    if (index >= 0) running.splice(index, 1);
  });
  return handle;
}

export async function stopAll() {
  while (running.length > 0) {
    await running[running.length - 1].stop();
  }
}

let shuttingDown = false;
/** Ctrl-C, SIGTERM and uncaught errors all end in one ordered shutdown. */
export function stopAllOnExit(onSignal) {
  const shutdown = async (reason, code) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (onSignal) onSignal(reason);
    await stopAll();
    process.exit(code);
  };
  process.on('SIGINT', () => shutdown('SIGINT', 130));
  process.on('SIGTERM', () => shutdown('SIGTERM', 143));
  process.on('SIGHUP', () => shutdown('SIGHUP', 129));
  process.on('uncaughtException', (error) => {
    console.error(error);
    shutdown('error', 1);
  });
  process.on('unhandledRejection', (error) => {
    console.error(error);
    shutdown('error', 1);
  });
}
