import { FieldValue, type Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import { FailedPreconditionError } from '../shared/errors';
import { parseInput } from '../shared/validation';
import { parseEvent } from './engine';
import { appendEvents } from './gameLog';
import { afterAppend } from './finishedGame';

export const MAX_INGEST_BATCH = 500;

export const ingestInput = z.strictObject({
  gameId: z.string().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, _ and -'),
  events: z.array(z.unknown()).min(1, 'must hold at least one event').max(MAX_INGEST_BATCH, `must hold at most ${MAX_INGEST_BATCH} events`),
});
export const ingestOutput = z.object({ gameId: z.string(), appended: z.int(), duplicates: z.int(), seq: z.int(), status: z.string() });
export type IngestOutput = z.infer<typeof ingestOutput>;

/** Signatures already accepted, kept past the window (then removable by a TTL policy on expireAt). */
export const INGEST_SIGNATURES = 'ingest_signatures';

/** Records a signature as used; false when it was used before (a replay). */
export async function claimSignature(db: Firestore, signatureId: string, expireAt: Date): Promise<boolean> {
  try {
    await db.collection(INGEST_SIGNATURES).doc(signatureId).create({ at: FieldValue.serverTimestamp(), expireAt });
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 6) return false; // ALREADY_EXISTS
    throw error;
  }
}

/** Lets the game server send the same signed batch again after a failure that was not its fault. */
export async function releaseSignature(db: Firestore, signatureId: string): Promise<void> {
  await db.collection(INGEST_SIGNATURES).doc(signatureId).delete();
}

/**
 * A live game server's batch of events: checked against the schema, then applied on top of the
 * whole stored log replayed by the engine, in one transaction. Events already in the log (same id)
 * are skipped, so a resent batch appends nothing; one illegal event refuses the whole batch.
 */
export async function ingestEvents(db: Firestore, input: unknown): Promise<IngestOutput> {
  const { gameId, events } = parseInput(ingestInput, input);
  const outcome = await appendEvents(db, gameId, (state) => {
    const parsed = events.map((raw, i) => parseEvent(raw, state.seq + i + 1));
    for (const event of parsed) {
      if (event.type === 'GAME_CREATED' && event.gameId !== gameId) throw new FailedPreconditionError(`GAME_CREATED names game ${event.gameId}, not ${gameId}.`);
    }
    // Solo and duel games are run by the callables: a game server may not write into them.
    const mode = state.game?.mode ?? parsed.find((event) => event.type === 'GAME_CREATED')?.mode;
    if (mode !== undefined && mode !== 'live') throw new FailedPreconditionError(`${gameId} is a ${mode} game: only live games accept ingest.`);
    return parsed;
  }, { replayLog: true });
  await afterAppend(db, outcome);
  return { gameId, appended: outcome.appended.length, duplicates: outcome.duplicates.length, seq: outcome.state.seq, status: outcome.state.status };
}
