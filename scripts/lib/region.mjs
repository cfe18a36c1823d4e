import fs from 'node:fs';
import path from 'node:path';
import { functionsDir } from './paths.mjs';

/**
 * The functions' region is the FUNCTIONS_REGION param (setGlobalOptions in functions/src/config/runtime.ts).
 * Its deployed value lives in functions/.env (read by `firebase deploy`); the local stack reads the
 * same file, so emulator URLs, the queue path, the console and the CLI all follow one value.
 */
export function functionsRegion() {
  if (process.env.FUNCTIONS_REGION) return process.env.FUNCTIONS_REGION;
  const envFile = path.join(functionsDir, '.env');
  const line = fs.existsSync(envFile) ? fs.readFileSync(envFile, 'utf8').split('\n').find((l) => l.startsWith('FUNCTIONS_REGION=')) : undefined;
  return line ? line.slice('FUNCTIONS_REGION='.length).trim() : 'us-central1';
}
