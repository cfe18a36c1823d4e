// App Check on the mobile callables, through the real callable path of the emulated functions.
// The shared stack runs with APP_CHECK_ENFORCE=false (local stacks serve plain SDK clients); this
// file turns it on for its own tests the way an operator would (the param's value in the functions'
// env file), makes the emulator reload the functions, and restores both afterwards.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { APP_CHECK_ENFORCE } from '../src/config/params';
import { callFunction, signUp, type SignedIn } from './support/client';
import { ProviderFixtures } from './support/providerFixtures';
import { closeTestClients, testStack } from './support/stack';

const envFile = path.join(__dirname, '..', '.env.local');
const builtIndex = path.join(__dirname, '..', 'lib', 'index.js');
const LOADED = /Loaded functions definitions from source/g;

function loadsSoFar(): number {
  return (fs.readFileSync(testStack().logFile, 'utf8').match(LOADED) ?? []).length;
}

/** Rewrites APP_CHECK_ENFORCE in the functions' env file and waits for the emulator to reload them. */
async function setEnforcement(enforce: boolean): Promise<void> {
  const lines = fs.readFileSync(envFile, 'utf8').split('\n').filter((line) => line && !line.startsWith('APP_CHECK_ENFORCE='));
  fs.writeFileSync(envFile, `${[...lines, `APP_CHECK_ENFORCE=${enforce}`].join('\n')}\n`);
  const before = loadsSoFar();
  // The emulator watches the functions' sources (not dotfiles): touching the build makes it reload
  // the definitions and replace its workers, which read the env file when they start.
  const now = new Date();
  fs.utimesSync(builtIndex, now, now);
  const deadline = Date.now() + 60_000;
  while (loadsSoFar() <= before) {
    if (Date.now() > deadline) throw new Error('the functions emulator did not reload');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** What the emulator accepts as an App Check token: a JWT it decodes without verifying (as with Auth). */
function unsignedAppCheckToken(appId: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  // jti: every token is a new one, as a limited-use token is.
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: appId, aud: ['projects/demo-question-factory'], iss: 'https://firebaseappcheck.googleapis.com/123', iat: now, exp: now + 3600, jti: randomBytes(8).toString('hex') })}.`;
}

const APP_ID = '1:123456789:android:0123456789abcdef';
const pool = { lang: 'en', country: 'GB', level: 'easy', subject: 'geography', theme: 'app check world', type: 'mcq' };
const calls: Array<[string, unknown]> = [
  ['requestGeneration', { pool: { ...pool, subject: 'history' }, targetCount: 3 }],
  ['drawQuestions', { pool, count: 1 }],
  ['checkAnswers', { pool, answers: [{ questionId: 'a'.repeat(32), choice: 0 }] }],
  ['getDiscovery', { provider: 'tmdb', endpoint: 'trending' }],
  // A pool nothing draws from: drawQuestions above starts filling `pool`, which would let a game start.
  ['createGame', { pool: { ...pool, theme: 'app check games' }, questionCount: 3, mode: 'solo' }],
  ['joinGame', { code: 'ABC123' }],
  ['startGame', { gameId: 'a'.repeat(20) }],
  ['nextQuestion', { gameId: 'a'.repeat(20) }],
  ['submitAnswer', { gameId: 'a'.repeat(20), q: 0, choice: 0 }],
];
/** Past the App Check gate, the usual answer of each (exactly): the pool is empty, the ids unknown. */
const pastTheGate: Record<string, string> = {
  requestGeneration: 'OK',
  drawQuestions: 'OK',
  checkAnswers: 'NOT_FOUND',
  getDiscovery: 'OK',
  createGame: 'FAILED_PRECONDITION',
  joinGame: 'NOT_FOUND',
  startGame: 'NOT_FOUND',
  nextQuestion: 'NOT_FOUND',
  submitAnswer: 'NOT_FOUND',
};

let player: SignedIn;
let originalEnv: string;
let fixtures: ProviderFixtures;

beforeAll(async () => {
  fixtures = await ProviderFixtures.start(testStack().discoveryFixturePort);
  originalEnv = fs.readFileSync(envFile, 'utf8');
  player = await signUp();
  await setEnforcement(true);
}, 120_000);

afterAll(async () => {
  fs.writeFileSync(envFile, originalEnv);
  await setEnforcement(false);
  await fixtures.close();
  await closeTestClients();
}, 120_000);

test('production enforces App Check unless told otherwise; the local and test stacks turn it off', () => {
  expect((APP_CHECK_ENFORCE as unknown as { options: { default: unknown } }).options.default).toBe(true);
  expect(originalEnv).toMatch(/^APP_CHECK_ENFORCE=false$/m);
});

describe('with enforcement on', () => {
  test.each(calls)('%s without an App Check token is refused, even signed in', async (name, data) => {
    expect(await callFunction(name, data, player)).toMatchObject({ ok: false, status: 'UNAUTHENTICATED', httpStatus: 401 });
  });

  test.each(calls)('%s with a token that names no app is refused', async (name, data) => {
    expect(await callFunction(name, data, player, { 'X-Firebase-AppCheck': 'not-a-token' })).toMatchObject({ ok: false, status: 'UNAUTHENTICATED', httpStatus: 401 });
  });

  test('every callable the API lists as App Check-enforced is played here', () => {
    const api = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'api.md'), 'utf8');
    // | `name` | kind | who may call | App Check | ...
    const enforcing = api.split('\n').map((line) => line.split('|').map((cell) => cell.trim())).filter((cells) => cells[4] === 'enforced').map((cells) => cells[1]!.replace(/`/g, ''));
    expect(enforcing.sort()).toEqual(calls.map(([name]) => name).sort());
    expect(Object.keys(pastTheGate).sort()).toEqual(enforcing);
    expect(enforcing).toHaveLength(9);
  });

  test.each(calls)('%s with a valid token passes the gate and answers exactly as usual', async (name, data) => {
    const outcome = await callFunction(name, data, player, { 'X-Firebase-AppCheck': unsignedAppCheckToken(APP_ID) });
    expect(outcome.ok ? 'OK' : outcome.status).toBe(pastTheGate[name]);
  });

  test('requestGeneration (limited-use token, replay-protected) refuses a token used before; other callables accept a reused one', async () => {
    const token = unsignedAppCheckToken(APP_ID);
    const data = { pool: { ...pool, subject: 'history', theme: `replay ${randomBytes(3).toString('hex')}` }, targetCount: 3 };
    expect((await callFunction('requestGeneration', data, player, { 'X-Firebase-AppCheck': token })).ok).toBe(true);
    const again = await callFunction('requestGeneration', data, player, { 'X-Firebase-AppCheck': token });
    expect(again).toMatchObject({ ok: false, status: 'UNAUTHENTICATED', httpStatus: 401, message: 'App Check token already used: get a limited-use token for each call.' });
    // Another player replaying the captured token fares no better.
    expect(await callFunction('requestGeneration', data, await signUp(), { 'X-Firebase-AppCheck': token })).toMatchObject({ ok: false, status: 'UNAUTHENTICATED' });
    // Draws are not replay-protected (docs/deploy.md#app-check): the same token works twice.
    for (let i = 0; i < 2; i++) expect((await callFunction('drawQuestions', { pool, count: 1 }, player, { 'X-Firebase-AppCheck': token })).ok).toBe(true);
  });

  test('App Check does not replace sign-in', async () => {
    expect(await callFunction('drawQuestions', { pool, count: 1 }, undefined, { 'X-Firebase-AppCheck': unsignedAppCheckToken(APP_ID) })).toMatchObject({ ok: false, status: 'UNAUTHENTICATED' });
  });
});
