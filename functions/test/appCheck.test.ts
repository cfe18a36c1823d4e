// App Check on the mobile callables, through the real callable path of the emulated functions.
// The shared stack runs with APP_CHECK_ENFORCE=false (local stacks serve plain SDK clients); this
// file turns it on for its own tests the way an operator would (the param's value in the functions'
// env file), makes the emulator reload the functions, and restores both afterwards.
import fs from 'node:fs';
import path from 'node:path';
import { APP_CHECK_ENFORCE } from '../src/config/params';
import { callFunction, signUp, type SignedIn } from './support/client';
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
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ sub: appId, aud: ['projects/demo-question-factory'], iss: 'https://firebaseappcheck.googleapis.com/123', iat: now, exp: now + 3600 })}.`;
}

const APP_ID = '1:123456789:android:0123456789abcdef';
const pool = { lang: 'en', country: 'GB', level: 'easy', subject: 'geography', theme: 'app check world', type: 'mcq' };
const calls: Array<[string, unknown]> = [
  ['requestGeneration', { pool: { ...pool, subject: 'history' }, targetCount: 3 }],
  ['drawQuestions', { pool, count: 1 }],
  ['checkAnswers', { pool, answers: [{ questionId: 'a'.repeat(32), choice: 0 }] }],
  ['getDiscovery', { provider: 'tmdb', endpoint: 'trending' }],
];

let player: SignedIn;
let originalEnv: string;

beforeAll(async () => {
  originalEnv = fs.readFileSync(envFile, 'utf8');
  player = await signUp();
  await setEnforcement(true);
}, 120_000);

afterAll(async () => {
  fs.writeFileSync(envFile, originalEnv);
  await setEnforcement(false);
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
    expect(await callFunction(name, data, player, { 'X-Firebase-AppCheck': 'not-a-token' })).toMatchObject({ ok: false, status: 'UNAUTHENTICATED' });
  });

  test('with a valid token the callables answer as usual', async () => {
    const token = unsignedAppCheckToken(APP_ID);
    const accepted = await callFunction<{ requestKey: string; created: boolean }>('requestGeneration', calls[0]![1], player, { 'X-Firebase-AppCheck': token });
    expect(accepted.ok).toBe(true);
    // Past the App Check gate, the usual answers: the pool is empty, the id was never dealt, tmdb is served by the fixtures only when they run.
    const draw = await callFunction<{ questions: unknown[] }>('drawQuestions', { pool, count: 1 }, player, { 'X-Firebase-AppCheck': token });
    expect(draw.ok).toBe(true);
    expect(await callFunction('checkAnswers', calls[2]![1], player, { 'X-Firebase-AppCheck': token })).toMatchObject({ ok: false, status: 'NOT_FOUND' });
    const discovery = await callFunction('getDiscovery', calls[3]![1], player, { 'X-Firebase-AppCheck': token });
    expect(discovery.ok ? 'OK' : discovery.status).not.toBe('UNAUTHENTICATED');
  });

  test('App Check does not replace sign-in', async () => {
    expect(await callFunction('drawQuestions', { pool, count: 1 }, undefined, { 'X-Firebase-AppCheck': unsignedAppCheckToken(APP_ID) })).toMatchObject({ ok: false, status: 'UNAUTHENTICATED' });
  });
});
