import { deleteApp, initializeApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from 'firebase/auth';
import { connectFirestoreEmulator, getFirestore } from 'firebase/firestore';
import { connectFunctionsEmulator, getFunctions, type Functions } from 'firebase/functions';
import { type GenerationStatus, QuestionFactoryClient } from '../../client';
import { testStack } from './stack';

// The mobile app: the Firebase JS SDK against the emulators, through the typed client of client/.

const apps: FirebaseApp[] = [];

export async function appClient(email: string, password = 'password-123'): Promise<{ client: QuestionFactoryClient; uid: string; functions: Functions }> {
  const { projectId, region, urls, env } = testStack();
  const app = initializeApp({ projectId, apiKey: 'demo-api-key' }, `app-${apps.length}-${Date.now()}`);
  apps.push(app);
  const auth = getAuth(app);
  connectAuthEmulator(auth, urls.auth, { disableWarnings: true });
  const functions = getFunctions(app, region);
  const origin = new URL(urls.functions);
  connectFunctionsEmulator(functions, origin.hostname, Number(origin.port));
  const firestore = getFirestore(app);
  const [host, port] = env.FIRESTORE_EMULATOR_HOST!.split(':');
  connectFirestoreEmulator(firestore, host!, Number(port));
  const credential = await signInWithEmailAndPassword(auth, email, password);
  return { client: new QuestionFactoryClient(app, { functions, firestore }), uid: credential.user.uid, functions };
}

export async function closeAppClients(): Promise<void> {
  await Promise.all(apps.splice(0).map((app) => deleteApp(app)));
}

/**
 * Waits, as the app does, on the status listener until the request is done (rejects if it failed);
 * resolves with the done status. `reached` skips a done status that is not the one awaited (a pool
 * done at a lower target that a request for more reopened).
 */
export function untilGenerated(
  client: QuestionFactoryClient, requestKey: string, timeoutMs = 150_000, reached: (status: GenerationStatus) => boolean = () => true,
): Promise<GenerationStatus> {
  return new Promise<GenerationStatus>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('pool not generated')), timeoutMs);
    const stop = client.onGenerationStatus(requestKey, (status) => {
      if (status?.status === 'done' && reached(status)) { clearTimeout(timer); stop(); resolve(status); }
      if (status?.status === 'failed') { clearTimeout(timer); stop(); reject(new Error(status.error ?? 'failed')); }
    }, reject);
  });
}
