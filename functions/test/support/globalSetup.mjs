import { startFakeOpenAI } from '../../../scripts/lib/fakeOpenAI.cjs';
import { startStack } from '../../../scripts/lib/stack.mjs';

export default async function globalSetup() {
  // The model, as the functions see it: a local server that speaks the OpenAI API, faults on demand.
  const openai = await startFakeOpenAI();
  const stack = await startStack({
    profile: 'test',
    log: (line) => process.stdout.write(`[stack] ${line}\n`),
    secrets: { OPENAI_API_KEY: 'test-key' },
    params: {
      OPENAI_BASE_URL: openai.url,
      OPENAI_MODEL: 'fake-model',
      OPENAI_QUESTIONS_PER_CALL: 10,
      OPENAI_TIMEOUT_SECONDS: 5,
      GENERATION_MAX_ATTEMPTS: 3,
      FAILED_COOLDOWN_SECONDS: 2,
      QUOTA_USER_DAILY_REQUESTS: 10000,
    },
  });
  globalThis.__STACK__ = stack;
  globalThis.__OPENAI__ = openai;
  // Test workers read the stack from the environment they inherit.
  process.env.QF_TEST_STACK = JSON.stringify({ ...stack, stop: undefined, openaiUrl: openai.url });
  process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
  process.env.FIREBASE_AUTH_EMULATOR_HOST = stack.env.FIREBASE_AUTH_EMULATOR_HOST;
  process.env.CLOUD_TASKS_EMULATOR_HOST = stack.env.CLOUD_TASKS_EMULATOR_HOST;
  process.env.GCLOUD_PROJECT = stack.projectId;
  process.env.METADATA_SERVER_DETECTION = 'none';
}
