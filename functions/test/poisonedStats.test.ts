// Attack 6 (issue 15): one account playing many solo games, always picking the same wrong choice,
// must not flag a question. Played through the Firebase JS SDK (the app's client), as the attacker would.
import type { QuestionFactoryClient } from '../client';
import { poolKeyOf, poolParamsSchema } from '../src/questions/poolParams';
import { readQuestionStats } from '../src/games/questionStats';
import { appClient, closeAppClients, untilGenerated } from './support/appClient';
import { signUp } from './support/client';
import { uniquePool } from './support/pools';
import { closeTestClients, testFirestore } from './support/stack';

const pool = uniquePool({ theme: 'poisoned stats' });
const poolKey = poolKeyOf(poolParamsSchema.parse(pool));
let attacker: QuestionFactoryClient;

beforeAll(async () => {
  const email = `poisoner-${Date.now()}@example.com`;
  await signUp(email);
  attacker = (await appClient(email)).client;
  // A pool of one question: every game deals it.
  const accepted = await attacker.requestGeneration({ pool, targetCount: 1 });
  await untilGenerated(attacker, accepted.requestKey);
}, 180_000);

afterAll(async () => {
  await closeAppClients();
  await closeTestClients();
});

test('one player × 60 solo games picking the same wrong choice counts once and flags nothing', async () => {
  let questionId = '';
  let wrong = -1;
  for (let game = 0; game < 60; game++) {
    const { gameId } = await attacker.createGame({ pool, questionCount: 1, mode: 'solo' });
    await attacker.startGame(gameId);
    const shown = await attacker.nextQuestion(gameId);
    if (shown.done) throw new Error('no question shown');
    // The handle names no pool question: the pool's id is read on the server side.
    questionId = ((await testFirestore().collection('game_states').doc(gameId).get()).get('state') as { questions: Array<{ questionId: string }> }).questions[0]!.questionId;
    // The first game teaches the key; every later game picks the same wrong choice.
    const answer = await attacker.submitAnswer({ gameId, q: shown.q, choice: wrong < 0 ? 0 : wrong });
    if (wrong < 0) wrong = (answer.answerIndex + 1) % shown.choices.length;
  }
  const stats = await readQuestionStats(testFirestore(), poolKey, questionId);
  // 60 games, one counted answer: the attacker is one player.
  expect(stats).toMatchObject({ dealt: 1, answered: 1 });
  const item = (await testFirestore().collection('question_pools').doc(poolKey).collection('items').doc(questionId).get()).data() as { state?: string };
  expect(item.state ?? 'active').toBe('active');
}, 600_000);
