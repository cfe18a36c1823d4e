import fs from 'node:fs';
import path from 'node:path';
import { assertFails, assertSucceeds, initializeTestEnvironment, type RulesTestEnvironment } from '@firebase/rules-unit-testing';
import { collection, deleteDoc, doc, getDoc, getDocs, orderBy, query, setDoc } from 'firebase/firestore';
import type { GameEvent } from '../src/games/engine';
import { appendEvents } from '../src/games/gameLog';
import { created, question } from './support/gameScripts';
import { closeTestClients, testFirestore, testStack } from './support/stack';

// A game written by the real log code, read through the real rules by its players and others.
let env: RulesTestEnvironment;
const gameId = `rules-game-${Date.now()}`;
const e = (event: Record<string, unknown>): GameEvent => ({ v: 1, ...event }) as GameEvent;

beforeAll(async () => {
  const [host, port] = testStack().env.FIRESTORE_EMULATOR_HOST!.split(':');
  env = await initializeTestEnvironment({
    projectId: testStack().projectId,
    firestore: { host: host!, port: Number(port), rules: fs.readFileSync(path.join(__dirname, '..', '..', 'firestore.rules'), 'utf8') },
  });
  const now = Date.now();
  await appendEvents(testFirestore(), gameId, () => [
    { ...created({ players: 2, questions: 2, gameId }), at: now },
    e({ id: 'j1', at: now, type: 'PLAYER_JOINED', playerId: 'alice' }),
    e({ id: 'j2', at: now, type: 'PLAYER_JOINED', playerId: 'bob' }),
    e({ id: 'r1', at: now, type: 'ROUND_STARTED', round: 1, kind: 'classic', questionIds: ['qa', 'qb'] }),
    e({ id: 's0a', at: now, type: 'QUESTION_SHOWN', q: 0, playerId: 'alice', ...question(0) }),
    e({ id: 'a0a', at: now + 1, type: 'ANSWER_SUBMITTED', q: 0, playerId: 'alice', choice: 0 }),
    e({ id: 'p0a', at: now + 1, type: 'SCORE_UPDATED', q: 0, playerId: 'alice', points: 200 }),
  ]);
});
afterAll(async () => {
  await env.cleanup();
  await closeTestClients();
});

describe('game rules', () => {
  test('players read the projection, but not a key, a choice or a prompt of a question still open', async () => {
    const bob = env.authenticatedContext('bob').firestore();
    const game = (await assertSucceeds(getDoc(doc(bob, 'games', gameId)))).data()!;
    expect(game.players).toEqual(['alice', 'bob']);
    expect(game.questions[0]).toMatchObject({ q: 0, answered: ['alice'], closed: false });
    expect(JSON.stringify(game)).not.toMatch(/answerIndex|explanation|Question 0|"picks"/);
    expect(game.scores).toEqual({ alice: 0, bob: 0 });
    await assertFails(getDoc(doc(env.authenticatedContext('mallory').firestore(), 'games', gameId)));
    await assertFails(getDoc(doc(env.unauthenticatedContext().firestore(), 'games', gameId)));
  });

  test('the log, the server state and the event ids stay unreadable while the game is played', async () => {
    const alice = env.authenticatedContext('alice').firestore();
    await assertFails(getDocs(collection(alice, 'games', gameId, 'events')));
    await assertFails(getDoc(doc(alice, 'games', gameId, 'events', '000000006')));
    await assertFails(getDoc(doc(alice, 'game_states', gameId)));
    await assertFails(getDocs(collection(alice, 'games', gameId, 'event_ids')));
  });

  test('once the question closes its key is in the projection; once the game ends its players read the log', async () => {
    const now = Date.now() + 10;
    await appendEvents(testFirestore(), gameId, () => [
      e({ id: 's0b', at: now, type: 'QUESTION_SHOWN', q: 0, playerId: 'bob', ...question(0) }),
      e({ id: 'a0b', at: now, type: 'ANSWER_SUBMITTED', q: 0, playerId: 'bob', choice: 1 }),
      e({ id: 'p0b', at: now, type: 'SCORE_UPDATED', q: 0, playerId: 'bob', points: 0 }),
    ]);
    const bob = env.authenticatedContext('bob').firestore();
    const game = (await getDoc(doc(bob, 'games', gameId))).data()!;
    expect(game.questions[0]).toMatchObject({ closed: true, answerIndex: 0, picks: { alice: 0, bob: 1 }, points: { alice: 200, bob: 0 } });
    expect(game.questions[1]).not.toHaveProperty('answerIndex');
    expect(game.scores).toEqual({ alice: 200, bob: 0 });
    await assertFails(getDocs(collection(bob, 'games', gameId, 'events')));

    await appendEvents(testFirestore(), gameId, () => [
      e({ id: 'end-r1', at: now + 1, type: 'ROUND_ENDED', round: 1 }),
      e({ id: 'end', at: now + 1, type: 'GAME_ENDED', reason: 'time_up' }),
    ]);
    const events = await assertSucceeds(getDocs(query(collection(bob, 'games', gameId, 'events'), orderBy('seq'))));
    expect(events.docs.map((item) => item.get('type')).at(-1)).toBe('GAME_ENDED');
    await assertFails(getDocs(collection(env.authenticatedContext('mallory').firestore(), 'games', gameId, 'events')));
    await assertFails(getDoc(doc(bob, 'game_states', gameId)));
  });

  test('nobody writes a game, its log or player stats from a client', async () => {
    for (const db of [env.authenticatedContext('alice').firestore(), env.authenticatedContext('root', { admin: true }).firestore()]) {
      await assertFails(setDoc(doc(db, 'games', gameId), { status: 'ended', players: ['alice'] }));
      await assertFails(deleteDoc(doc(db, 'games', gameId)));
      await assertFails(setDoc(doc(db, 'games', gameId, 'events', '000000099'), { type: 'SCORE_UPDATED', points: 1000 }));
      await assertFails(setDoc(doc(db, 'players', 'alice'), { games: 100 }));
    }
  });

  test('a player reads their own stats and history only', async () => {
    await testFirestore().collection('players').doc('alice').collection('games').doc(gameId).set({ score: 1 });
    await testFirestore().collection('players').doc('alice').set({ games: 1 }, { merge: true });
    await assertSucceeds(getDoc(doc(env.authenticatedContext('alice').firestore(), 'players', 'alice')));
    await assertSucceeds(getDoc(doc(env.authenticatedContext('alice').firestore(), 'players', 'alice', 'games', gameId)));
    await assertFails(getDoc(doc(env.authenticatedContext('bob').firestore(), 'players', 'alice')));
    await assertFails(getDoc(doc(env.authenticatedContext('bob').firestore(), 'players', 'alice', 'games', gameId)));
  });
});

describe('firestore.indexes.json (games)', () => {
  test('exempts the folded state and the projection\'s per-question and per-player maps from indexing', () => {
    const indexes = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'firestore.indexes.json'), 'utf8'));
    const exempt = indexes.fieldOverrides.filter((o: { indexes: unknown[] }) => o.indexes.length === 0).map((o: { collectionGroup: string; fieldPath: string }) => `${o.collectionGroup}.${o.fieldPath}`);
    // A live game's state holds an entry per player per question: indexed, it would pass Firestore's 40,000 index entries per document.
    expect(exempt).toEqual(expect.arrayContaining(['game_states.state', 'games.questions', 'games.scores']));
  });
});

