import type { GameEvent } from '../src/games/engine';
import { appendEvents } from '../src/games/gameLog';
import type { CheckReport } from '../src/games/checkProjections';
import { triggerScheduled } from './support/client';
import { created, question } from './support/gameScripts';
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
});
