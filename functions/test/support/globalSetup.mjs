import { startFakeOpenAI } from '../../../scripts/lib/fakeOpenAI.cjs';
import { freePort } from '../../../scripts/lib/ports.mjs';
import { startStack } from '../../../scripts/lib/stack.mjs';

export default async function globalSetup() {
  // The model, as the functions see it: a local server that speaks the OpenAI API, faults on demand.
  const openai = await startFakeOpenAI();
  // Emulated functions reach the discovery providers at this port, where a test file starts
  // test/support/providerFixtures.ts when it needs them (files run one at a time).
  const discoveryFixturePort = await freePort();
  const fixture = `http://127.0.0.1:${discoveryFixturePort}`;
  const stack = await startStack({
    profile: 'test',
    log: (line) => process.stdout.write(`[stack] ${line}\n`),
    secrets: {
      OPENAI_API_KEY: 'test-key',
      TMDB_API_TOKEN: 'test-tmdb-token',
      RAWG_API_KEY: 'test-rawg-key',
      IGDB_CLIENT_ID: 'test-igdb-client',
      IGDB_CLIENT_SECRET: 'test-igdb-secret',
    },
    params: {
      OPENAI_BASE_URL: openai.url,
      OPENAI_MODEL: 'fake-model',
      OPENAI_QUESTIONS_PER_CALL: 10,
      OPENAI_TIMEOUT_SECONDS: 5,
      GENERATION_MAX_ATTEMPTS: 3,
      FAILED_COOLDOWN_SECONDS: 2,
      QUOTA_USER_DAILY_REQUESTS: 10000,
      TMDB_BASE_URL: `${fixture}/tmdb`,
      JIKAN_BASE_URL: `${fixture}/jikan`,
      RAWG_BASE_URL: `${fixture}/rawg`,
      IGDB_BASE_URL: `${fixture}/igdb`,
      TWITCH_TOKEN_URL: `${fixture}/twitch/oauth2/token`,
      DEEZER_BASE_URL: `${fixture}/deezer`,
      ITUNES_BASE_URL: `${fixture}/itunes`,
      DISCOVERY_UPSTREAM_TIMEOUT_MS: '2000',
    },
  });
  globalThis.__STACK__ = stack;
  globalThis.__OPENAI__ = openai;
  // Test workers read the stack from the environment they inherit.
  process.env.QF_TEST_STACK = JSON.stringify({ ...stack, stop: undefined, openaiUrl: openai.url, discoveryFixturePort });
  process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
  process.env.FIREBASE_AUTH_EMULATOR_HOST = stack.env.FIREBASE_AUTH_EMULATOR_HOST;
  process.env.CLOUD_TASKS_EMULATOR_HOST = stack.env.CLOUD_TASKS_EMULATOR_HOST;
  process.env.GCLOUD_PROJECT = stack.projectId;
  process.env.METADATA_SERVER_DETECTION = 'none';
}
