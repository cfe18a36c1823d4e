import { FailedPreconditionError } from '../shared/errors';
import { firestoreSize, GAME_DOC_BUDGET_BYTES, type GameState } from './engine';
import { projectionOf } from './projection';

/**
 * The larger of a game's two single documents as they would be stored: its state, and its
 * projection with every question closed (as GAME_ENDED leaves it, content and picks included), so
 * a game that fits can always end.
 */
export function gameDocumentBytes(state: GameState): number {
  return Math.max(firestoreSize({ state, seq: state.seq }), firestoreSize(projectionOf({ ...state, status: 'ended' })));
}

/** Refuses, before anything is written, a state whose documents would pass the budget under Firestore's 1 MiB. */
export function assertGameFits(gameId: string, state: GameState): void {
  const bytes = gameDocumentBytes(state);
  if (bytes <= GAME_DOC_BUDGET_BYTES) return;
  throw new FailedPreconditionError(
    `Game ${gameId} would grow to ${bytes} bytes, over the ${GAME_DOC_BUDGET_BYTES} a game document may take (Firestore's 1 MiB less a margin): nothing was written. End the game, or send shorter content.`,
    { rule: 'GAME_TOO_LARGE', bytes, limit: GAME_DOC_BUDGET_BYTES },
  );
}
