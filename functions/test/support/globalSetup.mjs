import { freePort } from '../../../scripts/lib/ports.mjs';
import { startStack } from '../../../scripts/lib/stack.mjs';

export default async function globalSetup() {
  // Emulated functions reach the discovery providers at this port, where a test file starts
  // test/support/providerFixtures.ts when it needs them (files run one at a time).
  const discoveryFixturePort = await freePort();
  const fixture = `http://127.0.0.1:${discoveryFixturePort}`;
  const stack = await startStack({
    profile: 'test',
    log: (line) => process.stdout.write(`[stack] ${line}\n`),
    params: {
      TMDB_BASE_URL: `${fixture}/tmdb`,
      JIKAN_BASE_URL: `${fixture}/jikan`,
      RAWG_BASE_URL: `${fixture}/rawg`,
      IGDB_BASE_URL: `${fixture}/igdb`,
      TWITCH_TOKEN_URL: `${fixture}/twitch/oauth2/token`,
      DEEZER_BASE_URL: `${fixture}/deezer`,
      ITUNES_BASE_URL: `${fixture}/itunes`,
      DISCOVERY_UPSTREAM_TIMEOUT_MS: '2000',
    },
    secrets: { TMDB_API_TOKEN: 'test-tmdb-token', RAWG_API_KEY: 'test-rawg-key', IGDB_CLIENT_ID: 'test-igdb-client', IGDB_CLIENT_SECRET: 'test-igdb-secret' },
  });
  globalThis.__STACK__ = stack;
  // Test workers read the stack from the environment they inherit.
  process.env.QF_TEST_STACK = JSON.stringify({ ...stack, stop: undefined, discoveryFixturePort });
  process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
  process.env.FIREBASE_AUTH_EMULATOR_HOST = stack.env.FIREBASE_AUTH_EMULATOR_HOST;
  process.env.CLOUD_TASKS_EMULATOR_HOST = stack.env.CLOUD_TASKS_EMULATOR_HOST;
  process.env.GCLOUD_PROJECT = stack.projectId;
  process.env.METADATA_SERVER_DETECTION = 'none';
}
