// Games: events appended per second to one game (transactional log) against plain unconditional
// writes; replay of a 10,000-event game; submitAnswer against checkAnswers through the emulated callables.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { call, signIn } from '../scripts/lib/client.mjs';
import { functionsDir, requireFromFunctions } from '../scripts/lib/paths.mjs';
import { adminFirestore } from '../scripts/lib/sampleJob.mjs';

export const name = 'games';
export const description = 'transactional event log vs plain writes; replay of 10,000 events; submitAnswer vs checkAnswers';

const lib = (file) => requireFromFunctions(path.join(functionsDir, 'lib', file));
const APPENDS = 200;

function percentile(samples, p) {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const pool = { poolKey: 'bench|games', subject: 'geography', level: 'medium', lang: 'en' };
const created = (gameId, at, maxPlayers, questionCount) => ({ v: 1, id: 'created', at, type: 'GAME_CREATED', gameId, mode: 'live', createdBy: 'p0', pool, questionCount, timeLimitMs: 60_000, maxPlayers });

/** A legal live game of about 10,000 events: 100 players, 50 questions in 10 rounds, everyone answers. */
function bigGame(scoreAnswer) {
  const players = Array.from({ length: 100 }, (_, i) => `p${i}`);
  let at = 1_000;
  let n = 0;
  const id = () => `e${++n}`;
  const events = [created('big', at, 100, 50), ...players.map((playerId) => ({ v: 1, id: id(), at, type: 'PLAYER_JOINED', playerId }))];
  for (let round = 1; round <= 10; round++) {
    events.push({ v: 1, id: id(), at, type: 'ROUND_STARTED', round, kind: 'classic', questionIds: Array.from({ length: 5 }, (_, i) => `r${round}q${i}`) });
    for (let i = 0; i < 5; i++) {
      const q = (round - 1) * 5 + i;
      const shownAt = (at += 100);
      events.push({ v: 1, id: id(), at, type: 'QUESTION_SHOWN', q, prompt: `Question ${q}?`, choices: ['a', 'b', 'c', 'd'], answerIndex: q % 4, explanation: '.', difficulty: 'medium' });
      players.forEach((playerId, k) => {
        at += 3;
        const choice = (q + k) % 4;
        events.push({ v: 1, id: id(), at, type: 'ANSWER_SUBMITTED', q, playerId, choice });
        events.push({ v: 1, id: id(), at, type: 'SCORE_UPDATED', q, playerId, points: scoreAnswer({ correct: choice === q % 4, elapsedMs: at - shownAt, timeLimitMs: 60_000 }) });
      });
    }
    events.push({ v: 1, id: id(), at, type: 'ROUND_ENDED', round });
  }
  events.push({ v: 1, id: id(), at, type: 'GAME_ENDED', reason: 'completed' });
  return events;
}

export async function run({ stack, log }) {
  // The functions' own Firestore instance (settings applied once), shared with the other groups of this process.
  adminFirestore(stack);
  const firestore = lib('shared/firebase.js').getFirestoreDb();
  const { appendEvents } = lib('games/gameLog.js');
  const { replay, parseEvent, scoreAnswer } = lib('games/engine/index.js');
  const run = Date.now();

  // 1. One game, one event per transaction (read state + event id, create event + id, set state + projection).
  const gameId = `bench-${run}`;
  let started = performance.now();
  await appendEvents(firestore, gameId, () => [created(gameId, run, 500, 1)]);
  for (let i = 1; i < APPENDS; i++) {
    // A game server knows its event ids: they are checked in the same read as the state.
    await appendEvents(firestore, gameId, (_state, now) => [{ v: 1, id: `join-${i}`, at: now, type: 'PLAYER_JOINED', playerId: `p${i}` }], { expectedIds: [`join-${i}`] });
  }
  const transactional = APPENDS / ((performance.now() - started) / 1000);
  // The same events as plain unconditional writes: no order, no idempotence, no validation.
  const plain = firestore.collection('bench_plain_events').doc(gameId).collection('events');
  started = performance.now();
  for (let i = 0; i < APPENDS; i++) await plain.doc(String(i).padStart(9, '0')).set({ v: 1, id: `join-${i}`, at: Date.now(), type: 'PLAYER_JOINED', playerId: `p${i}` });
  const plainRate = APPENDS / ((performance.now() - started) / 1000);
  // A game server's batches: 100 events per transaction.
  const batchedId = `bench-batched-${run}`;
  started = performance.now();
  await appendEvents(firestore, batchedId, () => [created(batchedId, run, 500, 1)]);
  for (let b = 0; b < 4; b++) {
    await appendEvents(firestore, batchedId, (_state, now) => Array.from({ length: 100 }, (_, i) => ({ v: 1, id: `join-${b}-${i}`, at: now, type: 'PLAYER_JOINED', playerId: `p${b}-${i}` })));
  }
  const batched = 401 / ((performance.now() - started) / 1000);
  log(`one game: ${transactional.toFixed(0)} events/s one per transaction, ${batched.toFixed(0)} events/s in batches of 100; plain writes ${plainRate.toFixed(0)}/s`);

  // 2. Replay of a 10,000-event game, beside only parsing the same events with zod.
  const events = bigGame(scoreAnswer);
  const replays = [];
  const parses = [];
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    events.forEach((event, k) => parseEvent(event, k + 1));
    parses.push(performance.now() - t);
    t = performance.now();
    const state = replay(events);
    replays.push(performance.now() - t);
    if (state.status !== 'ended' || state.seq !== events.length) throw new Error('bench game did not replay');
  }
  const replayMs = percentile(replays, 50);
  const parseMs = percentile(parses, 50);
  log(`replay of ${events.length} events: ${replayMs.toFixed(1)} ms (zod parse alone ${parseMs.toFixed(1)} ms)`);

  // 3. submitAnswer (append transaction, server-scored) against checkAnswers (read-only), warm, same player and pool.
  const { poolParamsSchema, poolKeyOf } = lib('questions/poolParams.js');
  const { writePoolQuestions } = lib('pools/poolStore.js');
  const { FactsGenerator } = lib('questions/facts/factsGenerator.js');
  const { questionIdOf } = lib('questions/question.js');
  const params = { lang: 'en', country: 'GB', level: 'medium', subject: 'geography', theme: 'world', type: 'mcq', version: 800 + Math.floor(Math.random() * 99) };
  const parsed = poolParamsSchema.parse(params);
  const batch = await new FactsGenerator().generate({ params: parsed, count: 80, excludeIds: new Set() });
  const questions = batch.questions.map((q) => ({ id: questionIdOf(q.prompt), ...q }));
  await writePoolQuestions(firestore, { poolKey: poolKeyOf(parsed), params: parsed, requestKey: 'bench', generatedAt: new Date().toISOString(), questions });
  const player = await signIn(stack.urls.auth, 'player@example.com', 'player-password');
  const fn = (callable, data) => call(stack.urls.functions, callable, data, player.idToken);
  const submitSamples = [];
  const COUNT = 30;
  const game = await fn('createGame', { pool: params, questionCount: COUNT, mode: 'solo', timeLimitSeconds: 300 });
  await fn('startGame', { gameId: game.gameId });
  for (let i = 0; i < COUNT; i++) {
    const shown = await fn('nextQuestion', { gameId: game.gameId });
    const t = performance.now();
    await fn('submitAnswer', { gameId: game.gameId, q: shown.q, choice: 0 });
    submitSamples.push(performance.now() - t);
  }
  const draw = await fn('drawQuestions', { pool: params, count: COUNT });
  const checkSamples = [];
  for (const question of draw.questions) {
    const t = performance.now();
    await fn('checkAnswers', { pool: params, answers: [{ questionId: question.id, choice: 0 }] });
    checkSamples.push(performance.now() - t);
  }
  const submitP50 = percentile(submitSamples.slice(3), 50);
  const checkP50 = percentile(checkSamples.slice(3), 50);
  log(`p50 submitAnswer ${submitP50.toFixed(1)} ms, checkAnswers ${checkP50.toFixed(1)} ms`);

  return [
    { name: 'games: events appended/s to one game, one per transaction', value: transactional, unit: 'events/s', baseline: 'plain unconditional writes/s', baselineValue: plainRate, target: '≥ 1/6 of plain writes (1 read + 4 writes each)', met: transactional >= plainRate / 6 },
    { name: 'games: events appended/s to one game, batches of 100', value: batched, unit: 'events/s', baseline: 'plain unconditional writes/s', baselineValue: plainRate, target: '≥ plain writes', met: batched >= plainRate },
    { name: 'games: replay of a 10,000-event game', value: replayMs, unit: 'ms', baseline: `zod parse of the same ${events.length} events`, baselineValue: parseMs, target: '≤ 500 ms', met: replayMs <= 500 },
    { name: 'games: submitAnswer p50 (append transaction, server-scored)', value: submitP50, unit: 'ms', baseline: 'checkAnswers p50 (read-only)', baselineValue: checkP50, target: '≤ 4 × checkAnswers', met: submitP50 <= 4 * checkP50 },
  ];
}
