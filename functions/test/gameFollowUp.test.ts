import { type GameEvent, scoreAnswer } from '../src/games/engine';
import { gameFinished, sweepGameFollowUps } from '../src/games/finishedGame';
import { GAME_FOLLOW_UPS, readGameState } from '../src/games/gameLog';
import { ingestEvents } from '../src/games/ingest';
import { readQuestionStats } from '../src/games/questionStats';
import { DRAW_MEMORY, type DrawMemory, drawMemoryId, holdForGame } from '../src/pools/seenMemory';
import { crashHere, FAULT_POINTS, type FaultPointName, InjectedFault, installFaultHook } from '../src/shared/faultPoints';
import { question, TIME_LIMIT_MS } from './support/gameScripts';
import { closeTestClients, testFirestore } from './support/stack';

// A finished game's follow-up (statistics, history, draw memory) at every named point of the `game`
// path: the process dies there (crashHere) or the next dependency call fails (InjectedFault); then
// production's redelivery runs — the scheduled sweep, or the game server resending its batch — and a
// second application on top. Each time: everything applied exactly once and no marker left.

afterEach(() => installFaultHook(undefined));
afterAll(async () => {
  await closeTestClients();
});

const db = () => testFirestore();
const e = (event: Record<string, unknown>) => ({ v: 1, ...event }) as GameEvent;

/** A live game of two players and two questions, the last batch ending it. */
function finishedGame(run: string) {
  const gameId = `follow-${run}`;
  const [p1, p2] = [`${gameId}-p1`, `${gameId}-p2`];
  const poolKey = `en|gb|medium|followup|${run}|mcq|v1`;
  const [qa, qb] = [`${run}-qa`, `${run}-qb`];
  const t0 = Date.now();
  const points = (correct: boolean, elapsedMs: number) => scoreAnswer({ correct, elapsedMs, timeLimitMs: TIME_LIMIT_MS });
  const opening: GameEvent[] = [
    e({ id: 'created', at: t0, type: 'GAME_CREATED', gameId, mode: 'live', createdBy: p1, pool: { poolKey, subject: 'followup', level: 'medium', lang: 'en' }, questionCount: 2, timeLimitMs: TIME_LIMIT_MS, maxPlayers: 2 }),
    e({ id: 'j1', at: t0, type: 'PLAYER_JOINED', playerId: p1 }),
    e({ id: 'j2', at: t0, type: 'PLAYER_JOINED', playerId: p2 }),
    e({ id: 'r1', at: t0, type: 'ROUND_STARTED', round: 1, kind: 'classic', questionIds: [qa, qb] }),
  ];
  // question(0) has key 0, question(1) key 1: p1 gets q0 right and q1 wrong, p2 answers q0 wrongly only.
  const ending: GameEvent[] = [
    e({ id: 's0', at: t0 + 10, type: 'QUESTION_SHOWN', q: 0, ...question(0) }),
    e({ id: 's1', at: t0 + 10, type: 'QUESTION_SHOWN', q: 1, ...question(1) }),
    e({ id: 'a1-0', at: t0 + 1_010, type: 'ANSWER_SUBMITTED', q: 0, playerId: p1, choice: 0 }),
    e({ id: 'c1-0', at: t0 + 1_010, type: 'SCORE_UPDATED', q: 0, playerId: p1, points: points(true, 1_000) }),
    e({ id: 'a1-1', at: t0 + 1_010, type: 'ANSWER_SUBMITTED', q: 1, playerId: p1, choice: 2 }),
    e({ id: 'c1-1', at: t0 + 1_010, type: 'SCORE_UPDATED', q: 1, playerId: p1, points: points(false, 1_000) }),
    e({ id: 'a2-0', at: t0 + 2_010, type: 'ANSWER_SUBMITTED', q: 0, playerId: p2, choice: 3 }),
    e({ id: 'c2-0', at: t0 + 2_010, type: 'SCORE_UPDATED', q: 0, playerId: p2, points: points(false, 2_000) }),
    e({ id: 're', at: t0 + 2_010, type: 'ROUND_ENDED', round: 1 }),
    e({ id: 'ge', at: t0 + 2_010, type: 'GAME_ENDED', reason: 'completed' }),
  ];
  return { gameId, players: [p1, p2] as const, poolKey, dealt: [qa, qb], opening, ending };
}

type Game = ReturnType<typeof finishedGame>;

const markerExists = async (gameId: string) => (await db().collection(GAME_FOLLOW_UPS).doc(gameId).get()).exists;

/** The invariants, each an expectation; returns how many were checked. */
async function checkExactlyOnce(game: Game): Promise<number> {
  const [p1, p2] = game.players;
  // 1. History and counters: once per player.
  const players = await Promise.all(game.players.map((uid) => db().collection('players').doc(uid).get()));
  expect(players[0]!.data()).toMatchObject({ games: 1, answers: 2, correct: 1 });
  expect(players[1]!.data()).toMatchObject({ games: 1, answers: 1, correct: 0 });
  const lines = await Promise.all(game.players.map((uid) => db().collection('players').doc(uid).collection('games').doc(game.gameId).get()));
  expect(lines.map((line) => line.get('answers'))).toEqual([2, 1]);
  // 2. Statistics: each player's answer counted once.
  expect(await readQuestionStats(db(), game.poolKey, game.dealt[0]!)).toMatchObject({ dealt: 2, answered: 2, correct: 1 });
  expect(await readQuestionStats(db(), game.poolKey, game.dealt[1]!)).toMatchObject({ dealt: 2, answered: 1, correct: 0 });
  // 3. Draw memory: dealt questions seen once, released from `held`; p1's hold of another game stays.
  const memories = await Promise.all([p1, p2].map(async (uid) => (await db().collection(DRAW_MEMORY).doc(drawMemoryId(uid, game.poolKey)).get()).data() as DrawMemory));
  for (const memory of memories) expect(memory.seen).toEqual(game.dealt);
  expect(memories[0]!.held).toEqual(['other-game-question']);
  expect(memories[1]!.held).toEqual([]);
  expect(lines.every((line) => line.get('memoryReleased') === true)).toBe(true);
  // 4. No marker left.
  expect(await markerExists(game.gameId)).toBe(false);
  return 4;
}

async function startGame(run: string): Promise<Game> {
  const game = finishedGame(run);
  expect(await ingestEvents(db(), { gameId: game.gameId, events: game.opening })).toMatchObject({ appended: 4, status: 'in_round' });
  // The game's questions are held from practice while it runs; p1 also holds one of another game.
  await holdForGame(db(), game.poolKey, game.players, game.dealt);
  await holdForGame(db(), game.poolKey, [game.players[0]], ['other-game-question']);
  return game;
}

const points = FAULT_POINTS.game;
const faults = ['crash', 'throw'] as const;
const redeliveries = ['sweep', 'resend'] as const;
const cases = points.flatMap((point) => faults.flatMap((fault) => redeliveries.map((redelivery) => [point, fault, redelivery] as const)));
const enumerated = new Set<FaultPointName>();
let invariantsChecked = 0;

describe('a finished game\'s follow-up survives a fault at every point of the game path', () => {
  test.each(cases)('%s, %s, redelivered by %s', async (point, fault, redelivery) => {
    const game = await startGame(`${point.split('.')[1]}-${fault}-${redelivery}-${Date.now()}`);
    let reached!: () => void;
    const atPoint = new Promise<void>((resolve) => { reached = resolve; });
    let fired = 0;
    installFaultHook((name) => {
      if (name !== point || fired++ > 0) return;
      reached();
      if (fault === 'crash') return crashHere();
      throw new InjectedFault(name);
    });
    const first = ingestEvents(db(), { gameId: game.gameId, events: game.ending });
    if (fault === 'throw') await expect(first).rejects.toBeInstanceOf(InjectedFault);
    else await atPoint; // the process is gone: its promise never settles, nothing after the point runs
    expect(fired).toBe(1);
    enumerated.add(point);
    installFaultHook(undefined);
    // The append committed whatever came after: the game is over and its marker says what is due.
    expect((await readGameState(db(), game.gameId))?.status).toBe('ended');
    expect(await markerExists(game.gameId)).toBe(point !== 'game.afterMarkerCleared');

    if (redelivery === 'sweep') {
      const marker = await db().collection(GAME_FOLLOW_UPS).doc(game.gameId).get();
      if (marker.exists) {
        // Within the grace period the marker belongs to a call that may still be applying it.
        expect((await sweepGameFollowUps(db(), marker.get('createdAt') as number)).applied).not.toContain(game.gameId);
        expect(await markerExists(game.gameId)).toBe(true);
      }
      const swept = await sweepGameFollowUps(db(), Date.now() + 1);
      expect(swept.failed).toEqual([]);
      expect(swept.applied.includes(game.gameId)).toBe(marker.exists);
    } else {
      // The game server did not get its answer: it sends the same batch again.
      expect(await ingestEvents(db(), { gameId: game.gameId, events: game.ending })).toMatchObject({ appended: 0, duplicates: game.ending.length, status: 'ended' });
    }
    invariantsChecked += await checkExactlyOnce(game);

    // Applied twice (a sweep racing a late retry): still once.
    await gameFinished(db(), (await readGameState(db(), game.gameId))!);
    invariantsChecked += await checkExactlyOnce(game);
  });

  test('every point of FAULT_POINTS.game was enumerated, crashed and thrown at, each redelivered both ways', () => {
    expect([...enumerated].sort()).toEqual([...FAULT_POINTS.game].sort());
    expect(invariantsChecked).toBe(cases.length * 2 * 4);
    console.log(`game path: ${points.length} fault points × ${faults.length} faults × ${redeliveries.length} redeliveries = ${cases.length} runs; ${points.length} points × 4 invariants (history, statistics, draw memory once; no marker left), checked ${invariantsChecked} times (after the redelivery and after a second application)`);
  });

  test('without a fault the call that ends the game applies everything and leaves no marker', async () => {
    const game = await startGame(`nofault-${Date.now()}`);
    expect(await ingestEvents(db(), { gameId: game.gameId, events: game.ending })).toMatchObject({ appended: game.ending.length, status: 'ended' });
    await checkExactlyOnce(game);
  });
});
