// `npm start`: the whole local stack, offline and keyless, then one generation request travelling
// callable → Postgres → Cloud Task → facts generator → Firestore → draw, printed as it happens.
import { startStack } from './lib/stack.mjs';
import { stopAllOnExit } from './lib/processes.mjs';
import { runSampleJob } from './lib/sampleJob.mjs';

const t0 = Date.now();
const say = (line) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}`);

stopAllOnExit((reason) => say(`stopping (${reason})…`));

const stack = await startStack({ profile: 'start', log: say });
const job = await runSampleJob(stack, say);

// The phases overlap (Postgres, Firestore and the emulators start side by side): each line says when
// that part was ready, counted from the start of this script.
const at = (ms) => `${((ms - t0) / 1000).toFixed(1).padStart(5)} s`;
console.log(`First question after ${at(job.firstQuestionAt).trim()}:
  Postgres + migrations ready    ${at(stack.readyAt.postgres)}
  Firestore emulator ready       ${at(stack.readyAt.firestore)}
  Firebase emulators ready       ${at(stack.readyAt.emulators)}  (functions, Cloud Tasks, Auth, Hosting)
  function workers loaded        ${at(job.workersReadyAt)}
  job done, questions drawn      ${at(job.firstQuestionAt)}  (request → task → Firestore → draw)`);

console.log(`
Local stack is up (project ${stack.projectId}). Ctrl-C stops everything.
  Functions      ${stack.urls.functions}/<name>
  Firestore      ${stack.urls.firestore}
  Auth           ${stack.urls.auth}
  Cloud Tasks    ${stack.urls.tasks}
  Admin console  ${stack.urls.hosting}  (built from console/src by esbuild)
  Postgres       ${stack.databaseUrl}
  Emulator log   ${stack.logFile}
Demo accounts: player@example.com / player-password, admin@example.com / admin-password (admin claim),
  viewer@example.com / viewer-password (viewer claim: the console, read-only)
`);
// Stay up until a signal; stopAllOnExit shuts the stack down in order.
setInterval(() => {}, 1 << 30);
