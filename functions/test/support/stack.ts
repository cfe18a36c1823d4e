import { deleteApp, getApps, initializeApp } from 'firebase-admin/app';
import { getFirestore, type Firestore } from 'firebase-admin/firestore';
import { Pool } from 'pg';

export type TestStack = {
  projectId: string;
  region: string;
  databaseUrl: string;
  openaiUrl: string;
  /** POST /postgres/pause and /postgres/resume stop and restart the stack's Postgres. */
  controlUrl: string;
  env: Record<string, string>;
  /** The firebase emulators' log (functions loaded, reloads). */
  logFile: string;
  urls: { functions: string; firestore: string; auth: string; tasks: string; hosting: string; hub: string };
  /** Where emulated functions expect the discovery provider fixtures (test/support/providerFixtures.ts). */
  discoveryFixturePort: number;
};

export function testStack(): TestStack {
  const raw = process.env.QF_TEST_STACK;
  if (!raw) throw new Error('No test stack: run the tests with `npm test`, which starts one.');
  return JSON.parse(raw) as TestStack;
}

let pool: Pool | undefined;
export function testDb(): Pool {
  pool ??= new Pool({ connectionString: testStack().databaseUrl, max: 60 });
  return pool;
}

export function testFirestore(): Firestore {
  const app = getApps()[0] ?? initializeApp({ projectId: testStack().projectId });
  return getFirestore(app);
}

export async function closeTestClients(): Promise<void> {
  await pool?.end();
  pool = undefined;
  // Close Firestore streams (listeners) before the app, so none errors out after the file ends.
  await Promise.all(getApps().map(async (app) => {
    await getFirestore(app).terminate().catch(() => undefined);
    await deleteApp(app);
  }));
}
