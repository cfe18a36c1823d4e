import { timingSafeEqual } from 'node:crypto';
import type { Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import { FailedPreconditionError } from '../shared/errors';
import { parseInput } from '../shared/validation';
import { parseEvent } from './engine';
import { appendEvents } from './gameLog';
import { gameFinished } from './finishedGame';

export const MAX_INGEST_BATCH = 500;

export const ingestInput = z.strictObject({
  gameId: z.string().min(1).max(128).regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, _ and -'),
  events: z.array(z.unknown()).min(1, 'must hold at least one event').max(MAX_INGEST_BATCH, `must hold at most ${MAX_INGEST_BATCH} events`),
});
export const ingestOutput = z.object({ gameId: z.string(), appended: z.int(), duplicates: z.int(), seq: z.int(), status: z.string() });
export type IngestOutput = z.infer<typeof ingestOutput>;

/** Compares in constant time; an unset secret ("none" or empty) accepts nothing. */
export function secretMatches(expected: string | undefined, given: string | undefined): boolean {
  if (!expected || expected === 'none' || !given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
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
    return parsed;
  }, { replayLog: true });
  if (outcome.appended.some((event) => event.type === 'GAME_ENDED')) await gameFinished(db, outcome.state);
  return { gameId, appended: outcome.appended.length, duplicates: outcome.duplicates.length, seq: outcome.state.seq, status: outcome.state.status };
}
