// Attack 4 (issue 15): answer harvesting. checkAnswers is the answer submission: the first answer
// to a dealt question learns its key, a second answer learns nothing, and the per-user limit counts
// the keys a call may reveal, not calls. Played through the Firebase JS SDK (the app's client).
import type { QuestionFactoryClient } from '../client';
import { RateLimiter } from '../src/limits/rateLimits';
import { ResourceExhaustedError } from '../src/shared/errors';
import { appClient, closeAppClients } from './support/appClient';
import { signUp } from './support/client';
import { uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testDb } from './support/stack';

let player: { client: QuestionFactoryClient; uid: string };
const pool = uniquePool({ theme: 'answer harvesting' });

beforeAll(async () => {
  const email = `harvest-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  await signUp(email);
  player = await appClient(email);
  const accepted = await player.client.requestGeneration({ pool, targetCount: 6 });
  await waitForStatus(accepted.requestKey, ['done']);
});
afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

const keyOf = (result: object) => ('answerIndex' in result ? result.answerIndex : undefined);

describe('checkAnswers as the answer submission', () => {
  test('the first answer to a dealt question learns its key; every later answer learns nothing', async () => {
    const draw = await player.client.drawQuestions({ pool, count: 3 });
    expect(draw.questions).toHaveLength(3);
    const first = await player.client.checkAnswers({ pool, answers: draw.questions.map((q) => ({ questionId: q.id, choice: 0 })) });
    expect(first.map(keyOf).every((key) => Number.isInteger(key))).toBe(true);
    // The harvest: every other choice of the same questions, and the same question twice in one call.
    for (const choice of [1, 2, 3]) {
      const again = await player.client.checkAnswers({ pool, answers: draw.questions.map((q) => ({ questionId: q.id, choice })) });
      expect(again).toEqual(draw.questions.map((q) => ({ questionId: q.id, alreadyAnswered: true })));
    }
    const [fresh] = (await player.client.drawQuestions({ pool, count: 1 })).questions;
    const twice = await player.client.checkAnswers({ pool, answers: [{ questionId: fresh!.id, choice: 0 }, { questionId: fresh!.id, choice: 1 }] });
    expect(keyOf(twice[0]!)).toEqual(expect.any(Number));
    expect(twice[1]).toEqual({ questionId: fresh!.id, alreadyAnswered: true });
  });

  test('a question dealt again (a new round) may be answered again; a call naming one never dealt is refused and records nothing', async () => {
    // 6 questions: 4 were dealt above; this draw deals the last 2 and starts a new round with 2 answered ones.
    const draw = await player.client.drawQuestions({ pool, count: 4 });
    const [unanswered, ...rest] = draw.questions;
    const refused = await player.client.checkAnswers({ pool, answers: [{ questionId: unanswered!.id, choice: 0 }, { questionId: 'f'.repeat(32), choice: 0 }] }).catch((error: { code?: string }) => error.code);
    expect(refused).toBe('functions/not-found');
    const results = await player.client.checkAnswers({ pool, answers: [unanswered!, ...rest].map((q) => ({ questionId: q.id, choice: 0 })) });
    expect(results.map(keyOf).every((key) => Number.isInteger(key))).toBe(true);
  });

  test('the limit counts keys, not calls: a new player\'s first call of 3 answers takes 3 tokens', async () => {
    const email = `harvest-bucket-${Date.now()}@example.com`;
    await signUp(email);
    const newcomer = await appClient(email);
    const draw = await newcomer.client.drawQuestions({ pool, count: 3 });
    await newcomer.client.checkAnswers({ pool, answers: draw.questions.map((q) => ({ questionId: q.id, choice: 0 })) });
    const { rows } = await testDb().query("SELECT tokens FROM rate_buckets WHERE subject = $1 AND action = 'answers'", [newcomer.uid]);
    // A new bucket starts full (the stack's allowance: 1,000,000 a minute, a quarter for a fresh account).
    expect([1_000_000 - 3, 250_000 - 3]).toContain(Number(rows[0].tokens));
  });
});

describe('the answers bucket (a call worth many tokens)', () => {
  const config = { perMinute: { draws: 10, answers: 10, discovery: 10, games: 10, gameAnswers: 10 }, freshAccountMs: 0, freshFactor: 1 };
  const limiter = () => new RateLimiter(testDb(), config, async () => undefined);

  test('a 50-answer call is let in while a token is left, runs the bucket into debt, and the next call waits the debt out', async () => {
    const uid = `answers-${Date.now()}`;
    await expect(limiter().take(uid, 'answers', 50)).resolves.toBeUndefined();
    const refused = await limiter().take(uid, 'answers', 1).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ResourceExhaustedError);
    // 10 a minute, 40 owed plus the one asked for: about 4 minutes 6 seconds.
    const waitMs = (refused as ResourceExhaustedError).resetAt.getTime() - Date.now();
    expect(waitMs).toBeGreaterThan(240_000);
    expect(waitMs).toBeLessThan(250_000);
    const { rows } = await testDb().query("SELECT tokens FROM rate_buckets WHERE subject = $1 AND action = 'answers'", [uid]);
    expect(Number(rows[0].tokens)).toBeCloseTo(-40, 0);
  });

  test('keys a determined account can learn per day are bounded by the refill rate', async () => {
    const uid = `answers-day-${Date.now()}`;
    let taken = 0;
    for (let i = 0; i < 30; i++) {
      try {
        await limiter().take(uid, 'answers', 5);
        taken += 5;
      } catch {
        break;
      }
    }
    // A full bucket of 10 lets two 5-answer calls in, and no third.
    expect(taken).toBe(10);
  });
});
