import path from 'node:path';
import os from 'node:os';
import { startFakeOpenAI } from '../../../scripts/lib/fakeOpenAI.cjs';
import http from 'node:http';
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
      GAME_SERVER_SECRET: 'test-game-server-secret',
    },
    params: {
      OPENAI_BASE_URL: openai.url,
      OPENAI_MODEL: 'fake-model',
      OPENAI_QUESTIONS_PER_CALL: 10,
      OPENAI_TIMEOUT_SECONDS: 5,
      GENERATION_MAX_ATTEMPTS: 3,
      // Disputed questions are held for the review queue (reviewQueue.test.ts), still counted as rejected.
      VERIFY_HOLD_DISPUTED: 'true',
      FAILED_COOLDOWN_SECONDS: 2,
      QUOTA_USER_DAILY_REQUESTS: 10000,
      // Per-user rate limits stay out of the way of files that draw many times (rateLimits.test.ts
      // tests them with its own configuration).
      RATE_DRAWS_PER_MINUTE: 1_000_000,
      RATE_ANSWERS_PER_MINUTE: 1_000_000,
      RATE_DISCOVERY_PER_MINUTE: 1_000_000,
      RATE_GAMES_PER_MINUTE: 1_000_000,
      RATE_GAME_ANSWERS_PER_MINUTE: 1_000_000,
      RATE_FRESH_ACCOUNT_PERCENT: 100,
      TMDB_BASE_URL: `${fixture}/tmdb`,
      JIKAN_BASE_URL: `${fixture}/jikan`,
      RAWG_BASE_URL: `${fixture}/rawg`,
      IGDB_BASE_URL: `${fixture}/igdb`,
      TWITCH_TOKEN_URL: `${fixture}/twitch/oauth2/token`,
      DEEZER_BASE_URL: `${fixture}/deezer`,
      ITUNES_BASE_URL: `${fixture}/itunes`,
      DISCOVERY_UPSTREAM_TIMEOUT_MS: '2000',
      // Callables report their round trips to tests that ask (config/roundTripTrace.ts).
      TEST_INSTRUMENTATION: 'true',
    },
  });
  globalThis.__STACK__ = stack;
  globalThis.__OPENAI__ = openai;
  // Outage tests stop and restart the stack's Postgres through this (tests run in another process).
  const control = http.createServer(async (req, res) => {
    try {
      if (req.method === 'POST' && req.url === '/postgres/pause') await stack.postgres.pause();
      else if (req.method === 'POST' && req.url === '/postgres/resume') await stack.postgres.resume();
      else return res.writeHead(404).end();
      res.writeHead(204).end();
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise((resolve) => control.listen(0, '127.0.0.1', resolve));
  globalThis.__CONTROL__ = control;
  const controlUrl = `http://127.0.0.1:${control.address().port}`;
  // Test workers read the stack from the environment they inherit.
  // uniquePool()'s counter, shared by the test files of this run (test/support/pools.ts).
  process.env.QF_UNIQUE_POOL_FILE = path.join(os.tmpdir(), `qf-unique-pool-${process.pid}-${Date.now()}`);
  process.env.QF_TEST_STACK = JSON.stringify({ ...stack, stop: undefined, postgres: undefined, openaiUrl: openai.url, discoveryFixturePort, controlUrl });
  process.env.FIRESTORE_EMULATOR_HOST = stack.env.FIRESTORE_EMULATOR_HOST;
  process.env.FIREBASE_AUTH_EMULATOR_HOST = stack.env.FIREBASE_AUTH_EMULATOR_HOST;
  process.env.CLOUD_TASKS_EMULATOR_HOST = stack.env.CLOUD_TASKS_EMULATOR_HOST;
  process.env.GCLOUD_PROJECT = stack.projectId;
  process.env.METADATA_SERVER_DETECTION = 'none';
}
