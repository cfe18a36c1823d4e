import { getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { getFunctions } from 'firebase-admin/functions';

function app() {
  return getApps()[0] ?? initializeApp();
}

let firestore: Firestore | undefined;
export function getFirestoreDb(): Firestore {
  if (!firestore) {
    firestore = getFirestore(app());
    firestore.settings({ ignoreUndefinedProperties: true });
  }
  return firestore;
}

export function getAdminFunctions() {
  return getFunctions(app());
}
