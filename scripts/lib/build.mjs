// What has to be built before a stack can run, and whether it already is. Each step says which
// sources it reads and where its output's stamp lives; a step runs only when a source is newer than
// the stamp. `npm install` builds everything (postinstall), so `npm start` usually builds nothing.
// To add a step (e.g. a bundled console), append to BUILD_STEPS.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { functionsDir, repoRoot } from './paths.mjs';

export const BUILD_STEPS = [
  {
    name: 'functions (tsc)',
    inputs: [path.join(functionsDir, 'src'), path.join(functionsDir, 'tsconfig.json'), path.join(functionsDir, 'tsconfig.build.json'), path.join(functionsDir, 'package-lock.json')],
    stamp: path.join(functionsDir, 'lib', '.build-stamp'),
    command: process.execPath,
    args: [path.join(functionsDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'],
    cwd: functionsDir,
  },
];

function newestMtime(target) {
  let stat;
  try {
    stat = fs.statSync(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of fs.readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

export function isUpToDate(step) {
  let built;
  try {
    built = fs.statSync(step.stamp).mtimeMs;
  } catch {
    return false;
  }
  return step.inputs.every((input) => newestMtime(input) <= built);
}

function run(step) {
  return new Promise((resolve, reject) => {
    const child = spawn(step.command, step.args, { cwd: step.cwd ?? repoRoot, stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`build of ${step.name} failed (exit ${code})`))));
  });
}

/** Builds every stale step (side by side); resolves with the names of the steps it ran. */
export async function buildIfStale({ log = () => {}, force = false } = {}) {
  const stale = BUILD_STEPS.filter((step) => force || !isUpToDate(step));
  await Promise.all(stale.map(async (step) => {
    log(`building ${step.name}`);
    const started = Date.now();
    await run(step);
    fs.mkdirSync(path.dirname(step.stamp), { recursive: true });
    fs.writeFileSync(step.stamp, `${new Date().toISOString()}\n`);
    log(`built ${step.name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }));
  return stale.map((step) => step.name);
}
