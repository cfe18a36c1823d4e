// Attack 9 (issue 15): ingestGameEvents accepts only batches signed by the game server (HMAC-SHA256
// of timestamp + body with GAME_SERVER_SECRET), each once, within INGEST_WINDOW_SECONDS, and only
// for live games. Played over plain HTTPS as an attacker holding captured batches would.
import type { GameEvent } from '../src/games/engine';
import { appendEvents, readLog } from '../src/games/gameLog';
import { created, question } from './support/gameScripts';
import { freshTimestamp, ingestSigned, postIngest, signedHeaders } from './support/ingest';
import { closeTestClients, testFirestore } from './support/stack';

afterAll(async () => {
  await closeTestClients();
});

const WINDOW_SECONDS = 300; // INGEST_WINDOW_SECONDS default
const e = (event: Record<string, unknown>): GameEvent => ({ v: 1, ...event }) as GameEvent;
let n = 0;
function liveGame(mode: 'live' | 'duel' | 'solo' = 'live') {
  const gameId = `auth-${mode}-${Date.now()}-${n++}`;
  const t0 = Date.now();
  const events: GameEvent[] = [
    { ...created({ players: 2, questions: 2, gameId }), mode, at: t0 } as GameEvent,
    e({ id: 'join-1', at: t0, type: 'PLAYER_JOINED', playerId: `${gameId}-p1` }),
  ];
  const more: GameEvent[] = [
    e({ id: 'join-2', at: t0 + 5, type: 'PLAYER_JOINED', playerId: `${gameId}-p2` }),
    e({ id: 'round-1', at: t0 + 10, type: 'ROUND_STARTED', round: 1, kind: 'buzzer', questionIds: ['qa', 'qb'] }),
    e({ id: 'show-0', at: t0 + 1_000, type: 'QUESTION_SHOWN', q: 0, ...question(0) }),
  ];
  return { gameId, events, more };
}
const logIds = async (gameId: string) => (await readLog(testFirestore(), gameId)).map((event) => event.id);

describe('ingestGameEvents signatures', () => {
  test('a signed batch is accepted once: the same signed request replayed is refused (409) and appends nothing', async () => {
    const { gameId, events, more } = liveGame();
    const body = JSON.stringify({ gameId, events });
    const headers = signedHeaders(body);
    expect(await postIngest(body, headers)).toMatchObject({ status: 200, body: { appended: 2, seq: 2 } });
    const replayed = await postIngest(body, headers);
    expect(replayed).toEqual({ status: 409, body: { error: expect.stringMatching(/already accepted/), reason: 'replayed' } });
    // The game server resending the batch signs it again: accepted, and the engine skips the duplicates.
    expect(await ingestSigned({ gameId, events })).toMatchObject({ status: 200, body: { appended: 0, duplicates: 2 } });
    expect(await ingestSigned({ gameId, events: more })).toMatchObject({ status: 200, body: { appended: 3, seq: 5 } });
    expect(await logIds(gameId)).toEqual(['created', 'join-1', 'join-2', 'round-1', 'show-0']);
  });

  test('a batch signed outside the window, before or after now, is refused as expired (401)', async () => {
    const { gameId, events } = liveGame();
    const body = JSON.stringify({ gameId, events });
    for (const at of [Date.now() - (WINDOW_SECONDS + 30) * 1000, Date.now() + (WINDOW_SECONDS + 30) * 1000]) {
      expect(await postIngest(body, signedHeaders(body, at))).toMatchObject({ status: 401, body: { reason: 'expired' } });
    }
    // Just inside the window it is fine.
    expect((await postIngest(body, signedHeaders(body, Date.now() - (WINDOW_SECONDS - 30) * 1000))).status).toBe(200);
  });

  test('a captured signature on a changed body, a wrong secret, the old static header or no signature are refused (401), nothing written', async () => {
    const { gameId, events } = liveGame();
    const body = JSON.stringify({ gameId, events });
    const captured = signedHeaders(body);
    // The attacker changes the batch (another player joins) and keeps the captured headers...
    const changed = JSON.stringify({ gameId, events: [...events, e({ id: 'join-x', at: Date.now(), type: 'PLAYER_JOINED', playerId: 'attacker' })] });
    expect(await postIngest(changed, captured)).toMatchObject({ status: 401, body: { reason: 'bad-signature' } });
    // ...or the same bytes with whitespace, or a timestamp moved by one ms.
    expect(await postIngest(`${body} `, captured)).toMatchObject({ status: 401, body: { reason: 'bad-signature' } });
    expect(await postIngest(body, { ...captured, 'x-qf-timestamp': String(Number(captured['x-qf-timestamp']) + 1) })).toMatchObject({ status: 401, body: { reason: 'bad-signature' } });
    expect(await postIngest(changed, signedHeaders(changed, freshTimestamp(), 'guessed-secret'))).toMatchObject({ status: 401, body: { reason: 'bad-signature' } });
    expect(await postIngest(body, { 'x-game-server-secret': 'test-game-server-secret' })).toMatchObject({ status: 401, body: { reason: 'unsigned' } });
    expect(await postIngest(body, { 'x-qf-signature': captured['x-qf-signature']! })).toMatchObject({ status: 401, body: { reason: 'unsigned' } });
    expect(await logIds(gameId)).toEqual([]);
  });

  test('only live games accept ingest: a batch creating a duel or solo game, or adding to one, is refused (409)', async () => {
    for (const mode of ['duel', 'solo'] as const) {
      const { gameId, events } = liveGame(mode);
      const refused = await ingestSigned({ gameId, events });
      expect(refused).toMatchObject({ status: 409, body: { error: expect.stringMatching(new RegExp(`${mode} game.*only live games`)) } });
      expect(await logIds(gameId)).toEqual([]);
    }
    // A game the callables run (created here by writing its log as createGame would) refuses a
    // game server's events even with a valid signature.
    const { gameId, events, more } = liveGame('duel');
    await appendEvents(testFirestore(), gameId, () => events);
    expect(await ingestSigned({ gameId, events: more })).toMatchObject({ status: 409, body: { error: expect.stringMatching(/duel game.*only live games/) } });
    expect(await logIds(gameId)).toEqual(['created', 'join-1']);
  });
});
