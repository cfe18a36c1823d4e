import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { getFunctions } from 'firebase-admin/functions';
import { countFirestoreRoundTrips } from './instrumentedClients';

function app() {
  return getApps()[0] ?? initializeApp();
}

let firestore: Firestore | undefined;
export function getFirestoreDb(): Firestore {
  if (!firestore) {
    firestore = getFirestore(app());
    firestore.settings({ ignoreUndefinedProperties: true });
    // The TEST_INSTRUMENTATION param (config/params.ts), as the runtime exposes it: tests and bench only.
    if (process.env.TEST_INSTRUMENTATION === 'true') countFirestoreRoundTrips(firestore);
  }
  return firestore;
}

export function getAdminFunctions() {
  return getFunctions(app());
}
