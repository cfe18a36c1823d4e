import type { Firestore, Transaction } from 'firebase-admin/firestore';
import { FailedPreconditionError, NotFoundError } from '../shared/errors';
import { canonicalJson, sha256Hex } from '../shared/hashing';
import { type GameEvent, type GameState, GameRuleError, applyEvent, initialState, parseEvent, replay } from './engine';
import { assertGameFits } from './gameSize';
import { projectionOf } from './projection';

// A game in Firestore:
//   games/{gameId}                    projection for listeners (players read it; see projection.ts)
//   games/{gameId}/events/{seq}       the log, seq zero-padded so document order is log order
//   games/{gameId}/event_ids/{hash}   one per event id: a retried event is found, never appended twice
//   game_states/{gameId}              the folded engine state with keys and answers: server-only
//   game_follow_ups/{gameId}          written with GAME_ENDED: its follow-up is due (finishedGame.ts)
// All move together in one transaction, so the projection is never ahead of or behind the log.

export const GAMES = 'games';
export const GAME_STATES = 'game_states';
export const EVENTS = 'events';
/** Server-only: a finished game whose statistics, history and draw memory are not all applied yet. */
export const GAME_FOLLOW_UPS = 'game_follow_ups';
const EVENT_IDS = 'event_ids';

export type StoredEvent = GameEvent & { seq: number };

export function eventDocId(seq: number): string {
  return String(seq).padStart(9, '0');
}

export const gameRef = (db: Firestore, gameId: string) => db.collection(GAMES).doc(gameId);
export const gameStateRef = (db: Firestore, gameId: string) => db.collection(GAME_STATES).doc(gameId);
export const eventsRef = (db: Firestore, gameId: string) => gameRef(db, gameId).collection(EVENTS);
const eventIdRef = (db: Firestore, gameId: string, eventId: string) => gameRef(db, gameId).collection(EVENT_IDS).doc(sha256Hex(eventId).slice(0, 40));

/** The whole log, in order, each event checked against the schema. */
export async function readLog(db: Firestore, gameId: string, transaction?: Transaction): Promise<StoredEvent[]> {
  const query = eventsRef(db, gameId).orderBy('seq');
  const snapshot = transaction ? await transaction.get(query) : await query.get();
  return snapshot.docs.map((doc, i) => ({ ...parseEvent(stripSeq(doc.data()), i + 1), seq: doc.get('seq') as number }));
}

function stripSeq(data: Record<string, unknown>): unknown {
  const { seq: _seq, ...event } = data;
  return event;
}

export async function readGameState(db: Firestore, gameId: string, transaction?: Transaction): Promise<GameState | undefined> {
  const ref = gameStateRef(db, gameId);
  const snapshot = transaction ? await transaction.get(ref) : await ref.get();
  return snapshot.exists ? (snapshot.get('state') as GameState) : undefined;
}

export type AppendOutcome = { state: GameState; appended: StoredEvent[]; duplicates: GameEvent[] };

export type AppendOptions = {
  /** Fold the whole stored log instead of trusting game_states (a game server's batches); its ids also tell retries apart. */
  replayLog?: boolean;
  /** Ids of the events the caller expects to append: checked in the same read as the state (one round trip fewer). */
  expectedIds?: readonly string[];
};

/**
 * Appends the events `build` returns for the game's current state, in one transaction that expects
 * the next seq: event documents are created (never overwritten) at seq+1…, so two writers racing for
 * one seq cannot both win, and the loser retries on the new state. An event whose id is already in
 * the log is a retry of the same write and is skipped. Any event the engine refuses refuses the batch.
 */
export async function appendEvents(
  db: Firestore,
  gameId: string,
  build: (state: GameState, now: number) => GameEvent[] | Promise<GameEvent[]>,
  options: AppendOptions = {},
): Promise<AppendOutcome> {
  return db.runTransaction(async (transaction) => {
    let state: GameState;
    const known = new Map<string, boolean>();
    if (options.replayLog) {
      const log = await readLog(db, gameId, transaction);
      state = replay(log);
      for (const event of log) known.set(event.id, true);
    } else {
      const expected = [...new Set(options.expectedIds ?? [])];
      const [stateSnapshot, ...idSnapshots] = await transaction.getAll(gameStateRef(db, gameId), ...expected.map((id) => eventIdRef(db, gameId, id)));
      state = stateSnapshot!.exists ? (stateSnapshot!.get('state') as GameState) : initialState();
      expected.forEach((id, i) => known.set(id, idSnapshots[i]!.exists));
    }
    // Server clock, never behind the log (instances' clocks may differ by a few ms).
    const now = Math.max(Date.now(), state.lastAt);
    const events = await build(state, now);
    if (events.length === 0) return { state, appended: [], duplicates: [] };
    const unchecked = options.replayLog ? [] : [...new Set(events.map((event) => event.id).filter((id) => !known.has(id)))];
    if (unchecked.length > 0) {
      const snapshots = await transaction.getAll(...unchecked.map((id) => eventIdRef(db, gameId, id)));
      unchecked.forEach((id, i) => known.set(id, snapshots[i]!.exists));
    }
    const seen = new Set<string>();
    const appended: StoredEvent[] = [];
    const duplicates: GameEvent[] = [];
    let next = state;
    for (const event of events) {
      if (known.get(event.id) || seen.has(event.id)) {
        duplicates.push(event);
        continue;
      }
      seen.add(event.id);
      next = applyEvent(next, event);
      appended.push({ ...event, seq: next.seq });
    }
    if (appended.length === 0) return { state, appended, duplicates };
    assertGameFits(gameId, next);
    for (const event of appended) {
      transaction.create(eventsRef(db, gameId).doc(eventDocId(event.seq)), plain(event));
      transaction.create(eventIdRef(db, gameId, event.id), { id: event.id, seq: event.seq });
    }
    transaction.set(gameStateRef(db, gameId), plain({ state: next, seq: next.seq }));
    transaction.set(gameRef(db, gameId), plain(projectionOf(next)));
    if (next.status === 'ended') transaction.set(db.collection(GAME_FOLLOW_UPS).doc(gameId), { gameId, endedAt: next.endedAt, createdAt: Date.now() });
    return { state: next, appended, duplicates };
  }).catch((error: unknown) => {
    if (error instanceof GameRuleError) throw new FailedPreconditionError(error.message, { rule: error.code, seq: error.seq });
    throw error;
  });
}

/** Folds the log and rewrites the state and the projection from it; says whether the projection differed. */
export async function rebuildGame(db: Firestore, gameId: string): Promise<{ seq: number; projectionWasCurrent: boolean }> {
  return db.runTransaction(async (transaction) => {
    const log = await readLog(db, gameId, transaction);
    if (log.length === 0) throw new NotFoundError(`No game ${gameId}.`);
    const state = replay(log);
    const current = await transaction.get(gameRef(db, gameId));
    const projection = plain(projectionOf(state));
    const projectionWasCurrent = current.exists && sameJson(current.data(), projection);
    transaction.set(gameStateRef(db, gameId), plain({ state, seq: state.seq }));
    transaction.set(gameRef(db, gameId), projection);
    return { seq: state.seq, projectionWasCurrent };
  });
}

/** Key order does not matter in Firestore maps: compare canonical forms. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Firestore refuses `undefined`; optional fields that are absent are simply left out. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
