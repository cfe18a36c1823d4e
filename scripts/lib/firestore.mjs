// Decides who runs the Firestore emulator, from what this machine has:
// - Java >= 21: firebase-tools runs (and if needed downloads) its own, as on any developer machine;
// - otherwise the gcloud Firestore emulator jar, which runs on Java 17, started by us; firebase-tools
//   then runs the other emulators and the functions reach Firestore through FIRESTORE_EMULATOR_HOST.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from './ports.mjs';
import { startSupervised } from './processes.mjs';

const GCLOUD_JAR = 'platform/cloud-firestore-emulator/cloud-firestore-emulator.jar';
const MAIN_CLASS = 'com.google.cloud.datastore.emulator.firestore.CloudFirestore';

export function javaMajorVersion() {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(result.stderr);
  if (!match) return undefined;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major; // "1.8.0" is Java 8
}

function gcloudSdkRoots() {
  const roots = ['/usr/lib/google-cloud-sdk', '/usr/share/google-cloud-sdk', '/opt/google-cloud-sdk'];
  const gcloud = spawnSync('gcloud', ['info', '--format=value(installation.sdk_root)'], { encoding: 'utf8' });
  if (!gcloud.error && gcloud.status === 0 && gcloud.stdout.trim()) roots.unshift(gcloud.stdout.trim());
  return roots;
}

export function findGcloudFirestoreJar() {
  if (process.env.FIRESTORE_EMULATOR_JAR) return process.env.FIRESTORE_EMULATOR_JAR;
  for (const root of gcloudSdkRoots()) {
    const jar = path.join(root, GCLOUD_JAR);
    if (fs.existsSync(jar)) return jar;
  }
  return undefined;
}

/** @returns {{ mode: 'firebase-tools' } | { mode: 'gcloud-jar', jar: string, java: number }} */
export function chooseFirestoreRunner() {
  const java = javaMajorVersion();
  if (process.env.FIRESTORE_RUNNER === 'firebase-tools' || (java !== undefined && java >= 21 && process.env.FIRESTORE_RUNNER !== 'gcloud-jar')) {
    return { mode: 'firebase-tools', java };
  }
  const jar = findGcloudFirestoreJar();
  if (java !== undefined && java >= 11 && jar) return { mode: 'gcloud-jar', jar, java };
  throw new Error(
    java === undefined
      ? 'No Java found: the Firestore emulator needs Java 21+ (or Java 11+ with the gcloud firestore emulator component).'
      : `Java ${java} found: firebase-tools needs Java 21+ for the Firestore emulator, and no gcloud firestore emulator jar was found (set FIRESTORE_EMULATOR_JAR).`,
  );
}

export async function startGcloudFirestore({ jar, host, port, projectId, rulesFile, seedFromExport }) {
  const args = ['-cp', jar, MAIN_CLASS, '--host', host, '--port', String(port), '--project_id', projectId, '--single_project_mode', 'true', '--rules', rulesFile];
  if (seedFromExport) args.push('--seed_from_export', seedFromExport);
  const server = startSupervised('firestore', { command: 'java', args, quiet: true, graceMs: 5_000 });
  await waitFor('firestore emulator', async () => (await fetch(`http://${host}:${port}/`)).ok, {
    timeoutMs: 60_000,
    alive: () => !server.exited,
  });
  return server;
}
