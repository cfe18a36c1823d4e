// Regenerates emulator-data/ (the demo accounts imported by `npm start` and `npm test`):
// boots the stack without import, creates the accounts through the Admin SDK, exports.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startStack } from './lib/stack.mjs';
import { repoRoot, requireFromFunctions } from './lib/paths.mjs';
import { stopAll, stopAllOnExit } from './lib/processes.mjs';

export const DEMO_ACCOUNTS = [
  { uid: 'demo-player', email: 'player@example.com', password: 'player-password', displayName: 'Demo Player' },
  { uid: 'demo-admin', email: 'admin@example.com', password: 'admin-password', displayName: 'Demo Admin', claims: { admin: true } },
  { uid: 'demo-viewer', email: 'viewer@example.com', password: 'viewer-password', displayName: 'Demo Viewer', claims: { viewer: true } },
];

stopAllOnExit();
const stack = await startStack({ profile: 'start', log: console.log, skipImport: true });
process.env.FIREBASE_AUTH_EMULATOR_HOST = stack.env.FIREBASE_AUTH_EMULATOR_HOST;
const { initializeApp } = requireFromFunctions('firebase-admin/app');
const { getAuth } = requireFromFunctions('firebase-admin/auth');
const auth = getAuth(initializeApp({ projectId: stack.projectId }));
for (const { claims, ...account } of DEMO_ACCOUNTS) {
  await auth.createUser({ ...account, emailVerified: true });
  if (claims) await auth.setCustomUserClaims(account.uid, claims);
}
const target = path.join(repoRoot, 'emulator-data');
fs.rmSync(target, { recursive: true, force: true });
const result = spawnSync(path.join(repoRoot, 'node_modules', '.bin', 'firebase'), ['emulators:export', target, '--project', stack.projectId, '--force'], { stdio: 'inherit', cwd: repoRoot });
await stopAll();
process.exit(result.status ?? 1);
