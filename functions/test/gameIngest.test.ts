import type { GameEvent } from '../src/games/engine';
import { readLog } from '../src/games/gameLog';
import { scoreAnswer } from '../src/games/engine';
import { created, question, TIME_LIMIT_MS } from './support/gameScripts';
import { ingestSigned, postIngest } from './support/ingest';
import { closeTestClients, testFirestore } from './support/stack';

// A live game server's view: plain HTTPS, each batch signed (test/gameIngestAuth.test.ts attacks it).
const gameId = `live-${Date.now()}`;
const [p1, p2] = [`live-p1-${Date.now()}`, `live-p2-${Date.now()}`];
const e = (event: Record<string, unknown>): GameEvent => ({ v: 1, ...event }) as GameEvent;

async function ingest(body: unknown, signed = true): Promise<{ status: number; body: Record<string, unknown> }> {
  return signed ? ingestSigned(body) : postIngest(JSON.stringify(body), {});
}

const t0 = Date.now();
const points = scoreAnswer({ correct: true, elapsedMs: 1_500, timeLimitMs: TIME_LIMIT_MS });
const opening: GameEvent[] = [
  { ...created({ players: 2, questions: 2, gameId }), at: t0 },
  e({ id: 'join-1', at: t0, type: 'PLAYER_JOINED', playerId: p1 }),
  e({ id: 'join-2', at: t0, type: 'PLAYER_JOINED', playerId: p2 }),
  e({ id: 'round-1', at: t0 + 10, type: 'ROUND_STARTED', round: 1, kind: 'buzzer', questionIds: ['qa', 'qb'] }),
  e({ id: 'show-0', at: t0 + 1_000, type: 'QUESTION_SHOWN', q: 0, ...question(0) }),
  e({ id: 'buzz-0', at: t0 + 1_200, type: 'BUZZ_PRESSED', q: 0, playerId: p1 }),
  e({ id: 'answer-0', at: t0 + 2_500, type: 'ANSWER_SUBMITTED', q: 0, playerId: p1, choice: question(0).answerIndex }),
  e({ id: 'score-0', at: t0 + 2_500, type: 'SCORE_UPDATED', q: 0, playerId: p1, points }),
];

afterAll(async () => {
  await closeTestClients();
});

describe('ingestGameEvents', () => {
  test('refuses callers without the game server secret, and writes nothing', async () => {
    expect((await ingest({ gameId, events: opening }, false)).status).toBe(401);
    expect(await readLog(testFirestore(), gameId)).toEqual([]);
  });

  test('appends a batch checked by the engine, and a resent batch appends nothing', async () => {
    const first = await ingest({ gameId, events: opening });
    expect(first).toEqual({ status: 200, body: { gameId, appended: 8, duplicates: 0, seq: 8, status: 'in_round' } });
    const again = await ingest({ gameId, events: opening });
    expect(again.body).toMatchObject({ appended: 0, duplicates: 8, seq: 8 });
    // An overlapping batch appends only what is new.
    const next = e({ id: 'show-1', at: t0 + 3_000, type: 'QUESTION_SHOWN', q: 1, ...question(1) });
    expect((await ingest({ gameId, events: [...opening.slice(6), next] })).body).toMatchObject({ appended: 1, duplicates: 2, seq: 9 });
    const log = await readLog(testFirestore(), gameId);
    expect(log.map((event) => event.id)).toEqual([...opening.map((event) => event.id), 'show-1']);
    expect((await testFirestore().collection('games').doc(gameId).get()).get('scores')).toEqual({ [p1]: points, [p2]: 0 });
  });

  test('refuses a log with two winning buzzes, whole, in the engine\'s words', async () => {
    const batch = [
      e({ id: 'buzz-1a', at: t0 + 3_100, type: 'BUZZ_PRESSED', q: 1, playerId: p2 }),
      e({ id: 'buzz-1b', at: t0 + 3_101, type: 'BUZZ_PRESSED', q: 1, playerId: p1 }),
    ];
    const refused = await ingest({ gameId, events: batch });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe(`event 11: BUZZ_PRESSED for question 1 by ${p1}: ${p2} already won the buzz`);
    expect(refused.body.details).toEqual({ rule: 'ALREADY_BUZZED', seq: 11 });
    // Nothing of the batch was written, not even its legal first event.
    expect(await readLog(testFirestore(), gameId)).toHaveLength(9);
    const malformed = await ingest({ gameId, events: [{ v: 1, id: 'x', at: t0 + 4_000, type: 'BUZZ_PRESSED', q: 'one', playerId: p1 }] });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/^event 10: BUZZ_PRESSED is malformed \(q: /);
    expect((await ingest({ gameId, events: [] })).status).toBe(400);
  });

  test('a finished live game updates both players\' history and stats', async () => {
    const ending = [
      e({ id: 'buzz-1', at: t0 + 3_200, type: 'BUZZ_PRESSED', q: 1, playerId: p2 }),
      e({ id: 'answer-1', at: t0 + 3_400, type: 'ANSWER_SUBMITTED', q: 1, playerId: p2, choice: (question(1).answerIndex + 1) % 4 }),
      e({ id: 'score-1', at: t0 + 3_400, type: 'SCORE_UPDATED', q: 1, playerId: p2, points: 0 }),
      e({ id: 'round-1-end', at: t0 + 4_000, type: 'ROUND_ENDED', round: 1 }),
      e({ id: 'end', at: t0 + 4_000, type: 'GAME_ENDED', reason: 'completed' }),
    ];
    expect((await ingest({ gameId, events: ending })).body).toMatchObject({ appended: 5, seq: 14, status: 'ended' });
    const one = (await testFirestore().collection('players').doc(p1).get()).data()!;
    const two = (await testFirestore().collection('players').doc(p2).get()).data()!;
    expect(one).toMatchObject({ games: 1, answers: 1, correct: 1 });
    expect(two).toMatchObject({ games: 1, answers: 1, correct: 0 });
    expect((await testFirestore().collection('players').doc(p1).collection('games').doc(gameId).get()).data()).toMatchObject({ score: points, rank: 1 });
    // Resending the end changes nothing, counters included.
    expect((await ingest({ gameId, events: ending })).body).toMatchObject({ appended: 0 });
    expect((await testFirestore().collection('players').doc(p1).get()).get('games')).toBe(1);
    expect((await ingest({ gameId, events: [e({ id: 'late', at: t0 + 5_000, type: 'PLAYER_JOINED', playerId: 'late' })] })).body.error).toBe('event 15: PLAYER_JOINED after GAME_ENDED');
  });
});
