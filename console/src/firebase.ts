// One Firebase app for the console. Served by the local stack (127.0.0.1 / localhost), it reads the
// emulator ports from emulators.json, written beside the bundle by the stack (test and bench
// profiles shift every port); on Hosting it reads the project's web config from /__/firebase/init.json.
import { initializeApp, type FirebaseApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, type Auth } from 'firebase/auth';
import { connectFirestoreEmulator, getFirestore, type Firestore } from 'firebase/firestore';
import { connectFunctionsEmulator, getFunctions, httpsCallable, type Functions } from 'firebase/functions';

/** FUNCTIONS_REGION at build time (scripts/lib/console.mjs). */
declare const __FUNCTIONS_REGION__: string;

type EmulatorConfig = { projectId: string; region: string; auth: number; functions: number; firestore: number };

export type Services = { app: FirebaseApp; auth: Auth; db: Firestore; functions: Functions; emulated: boolean };

let services: Services | undefined;

/** Counted so the bench can report round trips; a callable is one HTTP round trip. */
export const counters = { callables: 0 };

export async function connect(): Promise<Services> {
  if (services) return services;
  const local = ['127.0.0.1', 'localhost'].includes(location.hostname);
  if (local) {
    const emulators = (await (await fetch('emulators.json')).json()) as EmulatorConfig;
    const host = location.hostname;
    const app = initializeApp({ projectId: emulators.projectId, apiKey: 'demo-api-key', authDomain: `${emulators.projectId}.firebaseapp.com` });
    const auth = getAuth(app);
    connectAuthEmulator(auth, `http://${host}:${emulators.auth}`, { disableWarnings: true });
    const db = getFirestore(app);
    connectFirestoreEmulator(db, host, emulators.firestore);
    const functions = getFunctions(app, emulators.region);
    connectFunctionsEmulator(functions, host, emulators.functions);
    services = { app, auth, db, functions, emulated: true };
  } else {
    const config = await (await fetch('/__/firebase/init.json')).json();
    const app = initializeApp(config);
    // The region is fixed at build time: no URL parameter chooses where the admin's ID token goes
    // (getFunctions takes a URL in that argument as a custom domain).
    services = { app, auth: getAuth(app), db: getFirestore(app), functions: getFunctions(app, __FUNCTIONS_REGION__), emulated: false };
  }
  return services;
}

/** Calls an admin callable; the SDK attaches a fresh ID token (refreshed before it expires). */
export async function call<T>(name: string, data: unknown = {}): Promise<T> {
  const { functions } = await connect();
  counters.callables += 1;
  // The SDK would send an undefined field as null, which strict schemas refuse: drop them.
  const result = await httpsCallable<unknown, T>(functions, name, { timeout: 300_000 })(JSON.parse(JSON.stringify(data ?? {})));
  return result.data;
}
