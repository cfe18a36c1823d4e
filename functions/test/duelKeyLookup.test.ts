// Attack 5 (issue 15), second half: a question shown by nextQuestion and not yet answered must not
// be dealt by a practice drawQuestions on the same pool and then checked (a live duel key in two
// calls). Played through the Firebase JS SDK (the app's client) by both duel players.
import { FirebaseError } from 'firebase/app';
import type { QuestionFactoryClient } from '../client';
import { poolKeyOf, poolParamsSchema } from '../src/questions/poolParams';
import { drawMemoryId } from '../src/pools/seenMemory';
import { appClient, closeAppClients, untilGenerated } from './support/appClient';
import { signUp } from './support/client';
import { uniquePool } from './support/pools';
import { closeTestClients, testFirestore } from './support/stack';

const pool = uniquePool({ theme: 'duel key lookup' });
const poolKey = poolKeyOf(poolParamsSchema.parse(pool));
type Player = { client: QuestionFactoryClient; uid: string };
let alice: Player;
let bob: Player;

async function player(name: string): Promise<Player> {
  const email = `${name}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  await signUp(email);
  return appClient(email);
}

async function code(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'ok';
  } catch (error) {
    if (error instanceof FirebaseError) return error.code;
    throw error;
  }
}

beforeAll(async () => {
  alice = await player('alice');
  bob = await player('bob');
  const accepted = await alice.client.requestGeneration({ pool, targetCount: 4 });
  await untilGenerated(alice.client, accepted.requestKey);
}, 180_000);

afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

test('a live duel\'s questions are neither dealt nor checked by practice until the game ends', async () => {
  const { gameId, joinCode } = await alice.client.createGame({ pool, questionCount: 2, mode: 'duel', timeLimitSeconds: 60 });
  await bob.client.joinGame({ code: joinCode! });
  await alice.client.startGame(gameId);
  const next = await alice.client.nextQuestion(gameId);
  if (next.done) throw new Error('no question shown');
  // The player sees a per-game handle, never the pool's question id.
  expect(next.handle).toBe(`${gameId}.${next.q}`);
  expect(JSON.stringify(next)).not.toMatch(/[0-9a-f]{32}/);
  const serverState = (await testFirestore().collection('game_states').doc(gameId).get()).get('state') as { questions: Array<{ q: number; questionId: string }> };
  // What a player with a harvested id list would need; the test reads it server-side.
  const shown = { questionId: serverState.questions.find((question) => question.q === next.q)!.questionId };
  // The handle opens nothing outside the game.
  for (const someone of [alice, bob]) {
    expect(await code(someone.client.checkAnswers({ pool, answers: [{ questionId: next.handle, choice: 0 }] }))).toBe('functions/invalid-argument');
  }

  for (const someone of [alice, bob]) {
    // The whole pool asked for in practice: the duel's two questions are not among the four.
    const draw = await someone.client.drawQuestions({ pool, count: 4 });
    expect(draw.poolSize).toBe(4);
    expect(draw.questions).toHaveLength(2);
    expect(draw.questions.map((q) => q.id)).not.toContain(shown.questionId);
    // Checking the shown question's id directly reveals nothing.
    expect(await code(someone.client.checkAnswers({ pool, answers: [{ questionId: shown.questionId, choice: 0 }] }))).toBe('functions/not-found');
  }

  // Both players finish the duel: the questions are released to practice.
  for (const someone of [alice, bob]) {
    for (;;) {
      const next = await someone.client.nextQuestion(gameId);
      if (next.done) break;
      await someone.client.submitAnswer({ gameId, q: next.q, choice: 0 });
    }
  }
  const memory = (await testFirestore().collection('draw_memory').doc(drawMemoryId(alice.uid, poolKey)).get()).data() as { held?: string[]; seen: string[] };
  expect(memory.held ?? []).toEqual([]);
  expect(memory.seen).toContain(shown.questionId);
  // After the game the player may check the question (it was dealt to them and answered).
  expect(await code(alice.client.checkAnswers({ pool, answers: [{ questionId: shown.questionId, choice: 0 }] }))).toBe('ok');
}, 180_000);
