import { type GameEvent, scoreAnswer } from '../src/games/engine';
import { endIdleGames } from '../src/games/endIdleGames';
import { appendEvents } from '../src/games/gameLog';
import type { CheckReport } from '../src/games/checkProjections';
import { triggerScheduled } from './support/client';
import { created, question, TIME_LIMIT_MS } from './support/gameScripts';
import { closeTestClients, testFirestore } from './support/stack';

afterAll(async () => {
  await closeTestClients();
});

async function endedGame(gameId: string): Promise<void> {
  const now = Date.now();
  const e = (event: Record<string, unknown>) => ({ v: 1, ...event }) as GameEvent;
  await appendEvents(testFirestore(), gameId, () => [
    { ...created({ players: 1, questions: 1, gameId }), at: now },
    e({ id: 'j', at: now, type: 'PLAYER_JOINED', playerId: `${gameId}-p` }),
    e({ id: 'r', at: now, type: 'ROUND_STARTED', round: 1, kind: 'classic', questionIds: ['q'] }),
    e({ id: 's', at: now, type: 'QUESTION_SHOWN', q: 0, ...question(0) }),
    e({ id: 're', at: now, type: 'ROUND_ENDED', round: 1 }),
    e({ id: 'ge', at: now, type: 'GAME_ENDED', reason: 'time_up' }),
  ]);
}

describe('checkGameProjections (scheduled)', () => {
  test('reports games of the last day whose projection or state disagrees with their log, and only those', async () => {
    const run = Date.now();
    const [good, corrupted, stale] = [`check-good-${run}`, `check-bad-${run}`, `check-stale-${run}`];
    await Promise.all([endedGame(good), endedGame(corrupted), endedGame(stale)]);
    await testFirestore().collection('games').doc(corrupted).update({ scores: { intruder: 1000 } });
    await testFirestore().collection('game_states').doc(stale).update({ 'state.endReason': 'completed' });
    const before = new Date().toISOString();
    expect(await triggerScheduled('checkGameProjections')).toBeLessThan(300);
    const reports = await testFirestore().collection('game_checks').where('at', '>=', before).get();
    const report = reports.docs.map((doc) => doc.data() as CheckReport).find((r) => r.mismatches.some((m) => m.gameId === corrupted))!;
    expect(report).toBeDefined();
    const mine = report.mismatches.filter((m) => [good, corrupted, stale].includes(m.gameId));
    expect(mine).toEqual(expect.arrayContaining([{ gameId: corrupted, projection: true, state: false }, { gameId: stale, projection: false, state: true }]));
    expect(mine).toHaveLength(2);
    expect(report.checked).toBeGreaterThanOrEqual(3);
  });

  test('ends async games idle for three days (time is up) and records them for their players; live and recent games are left alone', async () => {
    const run = Date.now();
    const old = run - 4 * 24 * 3600_000;
    const e = (event: Record<string, unknown>) => ({ v: 1, ...event }) as GameEvent;
    const opening = (gameId: string, mode: 'duel' | 'live', at: number) => [
      { ...created({ players: 2, questions: 1, gameId }), mode, at },
      e({ id: 'j1', at, type: 'PLAYER_JOINED', playerId: `${gameId}-a` }),
      e({ id: 'j2', at, type: 'PLAYER_JOINED', playerId: `${gameId}-b` }),
      e({ id: 'r', at, type: 'ROUND_STARTED', round: 1, kind: 'classic', questionIds: [`${gameId}-q`] }),
      e({ id: 's', at, type: 'QUESTION_SHOWN', q: 0, playerId: `${gameId}-a`, ...question(0) }),
      e({ id: 'a', at: at + 1_000, type: 'ANSWER_SUBMITTED', q: 0, playerId: `${gameId}-a`, choice: 0 }),
      e({ id: 'sc', at: at + 1_000, type: 'SCORE_UPDATED', q: 0, playerId: `${gameId}-a`, points: scoreAnswer({ correct: true, elapsedMs: 1_000, timeLimitMs: TIME_LIMIT_MS }) }),
    ] as GameEvent[];
    const [idle, live, recent] = [`idle-${run}`, `idle-live-${run}`, `idle-recent-${run}`];
    await appendEvents(testFirestore(), idle, () => opening(idle, 'duel', old));
    await appendEvents(testFirestore(), live, () => opening(live, 'live', old));
    await appendEvents(testFirestore(), recent, () => opening(recent, 'duel', run));
    expect(await triggerScheduled('checkGameProjections')).toBeLessThan(300);
    const status = async (gameId: string) => (await testFirestore().collection('games').doc(gameId).get()).data()!;
    expect(await status(idle)).toMatchObject({ status: 'ended', endReason: 'time_up' });
    expect((await status(idle)).questions[0]).toMatchObject({ closed: true, answerIndex: 0 });
    expect((await status(live)).status).toBe('in_round');
    expect((await status(recent)).status).toBe('in_round');
    expect((await testFirestore().collection('players').doc(`${idle}-a`).get()).data()).toMatchObject({ games: 1, answers: 1, correct: 1 });
    expect((await testFirestore().collection('players').doc(`${idle}-b`).get()).data()).toMatchObject({ games: 1, answers: 0 });
  });

  test('idle live games never crowd out async ones: the query skips them and pages to the end', async () => {
    const run = Date.now();
    const e = (event: Record<string, unknown>) => ({ v: 1, ...event }) as GameEvent;
    const opening = (gameId: string, mode: 'duel' | 'live', at: number) => [
      { ...created({ players: 2, questions: 1, gameId }), mode, at },
      e({ id: 'j1', at, type: 'PLAYER_JOINED', playerId: `${gameId}-a` }),
      e({ id: 'j2', at, type: 'PLAYER_JOINED', playerId: `${gameId}-b` }),
    ] as GameEvent[];
    // Older than any other test's games, so only these are idle before `cutoff`.
    const cutoff = run - 9 * 24 * 3600_000;
    const lives = [0, 1, 2].map((i) => `crowd-live-${i}-${run}`);
    const duels = [0, 1, 2].map((i) => `crowd-duel-${i}-${run}`);
    // The live games are the oldest: a first page of 2 holds nothing but them.
    await Promise.all(lives.map((id, i) => appendEvents(testFirestore(), id, () => opening(id, 'live', cutoff - 3 * 24 * 3600_000 + i))));
    await Promise.all(duels.map((id, i) => appendEvents(testFirestore(), id, () => opening(id, 'duel', cutoff - 24 * 3600_000 + i))));
    const ended = await endIdleGames(testFirestore(), cutoff, 2);
    expect(ended.sort()).toEqual([...duels].sort());
    const status = async (gameId: string) => (await testFirestore().collection('games').doc(gameId).get()).get('status');
    for (const id of duels) expect(await status(id)).toBe('ended');
    for (const id of lives) expect(await status(id)).toBe('lobby');
  });
});
