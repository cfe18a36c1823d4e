import { callFunction, callOrThrow, signUp, type SignedIn } from './support/client';
import { uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testFirestore } from './support/stack';

type Drawn = {
  poolKey: string;
  poolSize: number;
  questions: Array<{ id: string; prompt: string; choices: string[]; difficulty: string }>;
  generating?: { requestKey: string; status: string };
};
type Checked = { results: Array<{ questionId: string; correct: boolean; answerIndex: number; explanation: string }> };

let player: SignedIn;
beforeAll(async () => {
  player = await signUp();
});
afterAll(closeTestClients);

async function filledPool(targetCount: number, overrides = {}) {
  const pool = uniquePool(overrides);
  const accepted = await callOrThrow<{ requestKey: string }>('requestGeneration', { pool, targetCount }, player);
  await waitForStatus(accepted.requestKey, ['done']);
  return pool;
}

describe('drawQuestions', () => {
  test('a player sees every question of the pool before any question comes back', async () => {
    const pool = await filledPool(15, { lang: 'fr', theme: 'monde' });
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const draw = await callOrThrow<Drawn>('drawQuestions', { pool, count: 5 }, player);
      expect(draw.poolSize).toBe(15);
      expect(draw.generating).toBeUndefined();
      seen.push(...draw.questions.map((q) => q.id));
    }
    expect(new Set(seen).size).toBe(15);
    // The pool is seen: a new round starts, still without repeats inside the draw.
    const fourth = await callOrThrow<Drawn>('drawQuestions', { pool, count: 5 }, player);
    expect(new Set(fourth.questions.map((q) => q.id)).size).toBe(5);
    // Another player's memory is their own.
    const other = await signUp();
    const theirs = await callOrThrow<Drawn>('drawQuestions', { pool, count: 15 }, other);
    expect(new Set(theirs.questions.map((q) => q.id)).size).toBe(15);
  });

  test('a draw past the end of a round gives the unseen rest first, then starts again', async () => {
    const pool = await filledPool(6);
    const first = await callOrThrow<Drawn>('drawQuestions', { pool, count: 4 }, player);
    const second = await callOrThrow<Drawn>('drawQuestions', { pool, count: 4 }, player);
    const firstIds = new Set(first.questions.map((q) => q.id));
    const fresh = second.questions.filter((q) => !firstIds.has(q.id));
    expect(fresh).toHaveLength(2);
    expect(new Set(second.questions.map((q) => q.id)).size).toBe(4);
  });

  test('draws carry no answers; checkAnswers judges dealt questions against the stored answer', async () => {
    const pool = await filledPool(8, { theme: 'flags' });
    const draw = await callOrThrow<Drawn>('drawQuestions', { pool, count: 3 }, player);
    for (const question of draw.questions) expect(Object.keys(question).sort()).toEqual(['choices', 'difficulty', 'id', 'prompt']);
    const items = testFirestore().collection('question_pools').doc(draw.poolKey).collection('items');
    const stored = await Promise.all(draw.questions.map((q) => items.doc(q.id).get()));
    const answers = draw.questions.map((q, i) => ({ questionId: q.id, choice: i === 0 ? stored[0]!.get('answerIndex') : (stored[i]!.get('answerIndex') + 1) % q.choices.length }));
    const checked = await callOrThrow<Checked>('checkAnswers', { pool, answers }, player);
    expect(checked.results.map((r) => r.correct)).toEqual([true, false, false]);
    checked.results.forEach((result, i) => {
      expect(result.answerIndex).toBe(stored[i]!.get('answerIndex'));
      expect(result.explanation).toBe(stored[i]!.get('explanation'));
    });
  });

  test('checkAnswers refuses questions that were not dealt to the caller', async () => {
    const pool = await filledPool(8, { theme: 'currencies' });
    const draw = await callOrThrow<Drawn>('drawQuestions', { pool, count: 2 }, player);
    const stranger = await signUp();
    const outcome = await callFunction('checkAnswers', { pool, answers: [{ questionId: draw.questions[0]!.id, choice: 0 }] }, stranger);
    expect(outcome).toMatchObject({ ok: false, status: 'NOT_FOUND' });
    const bad = await callFunction('checkAnswers', { pool, answers: [{ questionId: 'nope', choice: 9 }] }, player);
    expect(bad).toMatchObject({ ok: false, status: 'INVALID_ARGUMENT', message: expect.stringMatching(/answers\.0\.questionId.*answers\.0\.choice/) });
  });

  test('a short pool answers with what it has and starts topping it up', async () => {
    const pool = uniquePool({ theme: 'currencies' });
    const draw = await callOrThrow<Drawn>('drawQuestions', { pool, count: 5 }, player);
    expect(draw.questions).toHaveLength(0);
    expect(draw.generating?.requestKey).toMatch(/^[0-9a-f]{64}$/);
    const final = await waitForStatus(draw.generating!.requestKey, ['done']);
    expect(final.status).toBe('done');
    const again = await callOrThrow<Drawn>('drawQuestions', { pool, count: 5 }, player);
    expect(again.questions).toHaveLength(5);
    expect(again.generating).toBeUndefined();
  });

  test('rejects a draw of more than 50 with invalid-argument', async () => {
    const outcome = await callFunction('drawQuestions', { pool: uniquePool(), count: 51 }, player);
    expect(outcome).toMatchObject({ ok: false, status: 'INVALID_ARGUMENT' });
  });

  test('rejects a caller who is not signed in', async () => {
    expect(await callFunction('drawQuestions', { pool: uniquePool(), count: 1 })).toMatchObject({ ok: false, status: 'UNAUTHENTICATED' });
    expect(await callFunction('checkAnswers', { pool: uniquePool(), answers: [] })).toMatchObject({ ok: false, status: 'UNAUTHENTICATED' });
  });
});
