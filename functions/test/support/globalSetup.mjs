import { startStack } from '../../../scripts/lib/stack.mjs';

export default async function globalSetup() {
  const stack = await startStack({ profile: 'test', log: (line) => process.stdout.write(`[stack] ${line}\n`) });
  globalThis.__STACK__ = stack;
  // Test workers read the stack from the environment they inherit.
  process.env.QF_TEST_STACK = JSON.stringify({ ...stack, stop: undefined });
  process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
  process.env.FIREBASE_AUTH_EMULATOR_HOST = stack.env.FIREBASE_AUTH_EMULATOR_HOST;
  process.env.CLOUD_TASKS_EMULATOR_HOST = stack.env.CLOUD_TASKS_EMULATOR_HOST;
  process.env.GCLOUD_PROJECT = stack.projectId;
  process.env.METADATA_SERVER_DETECTION = 'none';
}
