import { callFunction, callOrThrow, signUp, type SignedIn } from './support/client';
import { uniquePool, waitForStatus } from './support/pools';
import { closeTestClients, testFirestore } from './support/stack';

type Drawn = {
  poolKey: string;
  poolSize: number;
  questions: Array<{ id: string; prompt: string; choices: string[]; answerIndex: number; explanation: string }>;
  generating?: { requestKey: string; status: string };
};

let player: SignedIn;
beforeAll(async () => {
  player = await signUp();
});
afterAll(closeTestClients);

describe('drawQuestions', () => {
  test('draws distinct questions of the pool with their answers', async () => {
    const pool = uniquePool({ lang: 'fr', theme: 'monde' });
    const accepted = await callOrThrow<{ requestKey: string }>('requestGeneration', { pool, targetCount: 15 }, player);
    await waitForStatus(accepted.requestKey);

    const draw = await callOrThrow<Drawn>('drawQuestions', { pool, count: 10 }, player);
    expect(draw.poolSize).toBe(15);
    expect(draw.generating).toBeUndefined();
    expect(draw.questions).toHaveLength(10);
    expect(new Set(draw.questions.map((q) => q.id)).size).toBe(10);
    const items = testFirestore().collection('question_pools').doc(draw.poolKey).collection('items');
    for (const question of draw.questions) {
      const stored = await items.doc(question.id).get();
      expect(stored.exists).toBe(true);
      expect(question.choices[question.answerIndex]).toBe(stored.get('choices')[stored.get('answerIndex')]);
    }
  });

  test('a short pool answers with what it has and starts topping it up', async () => {
    const pool = uniquePool({ theme: 'currencies' });
    const draw = await callOrThrow<Drawn>('drawQuestions', { pool, count: 5 }, player);
    expect(draw.questions).toHaveLength(0);
    expect(draw.generating?.requestKey).toMatch(/^[0-9a-f]{64}$/);
    const final = await waitForStatus(draw.generating!.requestKey);
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
    const outcome = await callFunction('drawQuestions', { pool: uniquePool(), count: 1 });
    expect(outcome).toMatchObject({ ok: false, status: 'UNAUTHENTICATED' });
  });
});
