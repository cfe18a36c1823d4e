import { call, signIn } from './client.mjs';
import { requireFromFunctions } from './paths.mjs';

export const SAMPLE_POOL = { lang: 'fr', country: 'FR', level: 'medium', subject: 'geography', theme: 'monde', type: 'mcq', version: 1 };

/** Waits on a status document with a listener, as the app does: no polling. */
export function waitForStatus(firestore, requestKey, wanted, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`generation_status/${requestKey} did not reach ${wanted.join('|')} in ${timeoutMs} ms`));
    }, timeoutMs);
    const seen = [];
    const unsubscribe = firestore.collection('generation_status').doc(requestKey).onSnapshot((snapshot) => {
      const data = snapshot.data();
      if (!data?.status) return;
      if (seen.at(-1) !== data.status) seen.push(data.status);
      if (wanted.includes(data.status)) {
        clearTimeout(timer);
        unsubscribe();
        resolve({ data, seen });
      }
    }, (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export function adminFirestore(stack) {
  process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
  process.env.GCLOUD_PROJECT = stack.projectId;
  // Emulators only: there is no metadata server to discover, and looking for one prints a warning.
  process.env.METADATA_SERVER_DETECTION = 'none';
  const { getApps, initializeApp } = requireFromFunctions('firebase-admin/app');
  const { getFirestore } = requireFromFunctions('firebase-admin/firestore');
  const app = getApps()[0] ?? initializeApp({ projectId: stack.projectId });
  return getFirestore(app);
}

/**
 * The emulator starts one worker process per function on its first call (seconds each on a small
 * machine): load the four this job uses side by side, with calls that change nothing, instead of
 * one after another inside the job.
 */
export async function warmUp(stack) {
  const post = (name, data) => fetch(`${stack.urls.functions}/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ data }),
  }).then((response) => response.text()).catch(() => undefined);
  await Promise.all([
    post('requestGeneration', {}), // unauthenticated: refused before any work
    post('drawQuestions', {}),
    post('checkAnswers', {}),
    post('generateQuestionPool', { requestKey: '0'.repeat(64) }), // no such request: acknowledged
  ]);
}

export async function runSampleJob(stack, say) {
  const [player] = await Promise.all([
    signIn(stack.urls.auth, 'player@example.com', 'player-password'),
    warmUp(stack).then(() => say('function workers loaded (first call of each function)')),
  ]);
  const workersReadyAt = Date.now();
  say(`signed in as player@example.com (uid ${player.uid})`);
  const request = { pool: SAMPLE_POOL, targetCount: 20 };
  say(`requestGeneration ${JSON.stringify(request)}`);
  const accepted = await call(stack.urls.functions, 'requestGeneration', request, player.idToken);
  say(`→ requestKey ${accepted.requestKey.slice(0, 12)}…  poolKey ${accepted.poolKey}  status ${accepted.status}`);

  const firestore = adminFirestore(stack);
  const { data, seen } = await waitForStatus(firestore, accepted.requestKey, ['done', 'failed']);
  say(`generation_status: ${seen.join(' → ')} (${data.generated ?? 0} generated, pool holds ${data.poolSize ?? '?'})`);
  if (data.status !== 'done') throw new Error(`generation failed: ${data.error}`);

  const draw = await call(stack.urls.functions, 'drawQuestions', { pool: SAMPLE_POOL, count: 5 }, player.idToken);
  const firstQuestionAt = Date.now();
  say(`drawQuestions → ${draw.questions.length} of ${draw.poolSize}:`);
  // Draws carry no answers: the app learns them by answering (here, always the first choice).
  const checked = await call(stack.urls.functions, 'checkAnswers', {
    pool: SAMPLE_POOL,
    answers: draw.questions.map((question) => ({ questionId: question.id, choice: 0 })),
  }, player.idToken);
  for (const [n, question] of draw.questions.entries()) {
    const answer = checked.results[n];
    console.log(`\n  ${n + 1}. ${question.prompt}`);
    question.choices.forEach((choice, i) => console.log(`     ${i === answer.answerIndex ? '✔' : ' '} ${String.fromCharCode(65 + i)}) ${choice}`));
    console.log(`     ${answer.explanation}`);
  }
  console.log('');
  return { accepted, draw, workersReadyAt, firstQuestionAt };
}
