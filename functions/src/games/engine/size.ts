// How big a game's documents get, by Firestore's own storage-size rules, and the caps derived from
// Firestore's 1 MiB per document (https://firebase.google.com/docs/firestore/storage-size).
// Pure: a game server can check a game before sending it.

export const FIRESTORE_DOC_LIMIT_BYTES = 1_048_576;
/**
 * Kept free under the limit: the document name and Firestore's 32 bytes of overhead (well under
 * 1 KiB here), and room so that an error in this estimate fails our check, never Firestore's write.
 */
export const GAME_DOC_MARGIN_BYTES = 64 * 1024;
/** What a game's state document and its projection (with every question closed) may take. */
export const GAME_DOC_BUDGET_BYTES = FIRESTORE_DOC_LIMIT_BYTES - GAME_DOC_MARGIN_BYTES;

function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4; // a surrogate pair: one 4-byte character
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** A value's size as Firestore counts it: strings UTF-8 + 1, numbers 8, booleans and null 1, maps their keys and values. */
export function firestoreSize(value: unknown): number {
  if (value === null) return 1;
  switch (typeof value) {
    case 'string': return utf8Bytes(value) + 1;
    case 'number': return 8;
    case 'boolean': return 1;
    case 'undefined': return 0; // left out when stored
    case 'object': {
      if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + firestoreSize(item ?? null), 0);
      let sum = 0;
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) if (item !== undefined) sum += utf8Bytes(key) + 1 + firestoreSize(item);
      return sum;
    }
    default: return 0;
  }
}

/** A Firebase Auth uid is 28 characters: the player id the caps are derived for. */
const TYPICAL_PLAYER_ID = 'u'.repeat(28);
/**
 * One (player, question) slot in the larger of the two documents, fully answered: in the projection
 * shownTo, answered, picks and points; in the state shownTo and the answer.
 */
export const SLOT_BYTES = Math.max(
  3 * firestoreSize({ [TYPICAL_PLAYER_ID]: 0 }) + firestoreSize([TYPICAL_PLAYER_ID]),
  firestoreSize({ [TYPICAL_PLAYER_ID]: 0 }) + firestoreSize({ [TYPICAL_PLAYER_ID]: { choice: 0, correct: false, at: 0, elapsedMs: 0, points: 0 } }),
);
/** One player's own entries (players list, scores). */
export const PLAYER_BYTES = firestoreSize([TYPICAL_PLAYER_ID]) + firestoreSize({ [TYPICAL_PLAYER_ID]: 0 });
/** The game's header, round and per-question fields with empty content, generously. */
export const GAME_HEADER_BYTES = 4 * 1024;
export const QUESTION_OVERHEAD_BYTES = 256;

/**
 * The static cap checked at GAME_CREATED: `maxPlayers` × `questionCount` slots with Firebase-uid-sized
 * player ids and no content must fit the budget (about 6,500 slots: 500 players × 13 questions,
 * 100 × 65, 33 × 200). Content and longer ids are checked on every append (gameSize.ts).
 */
export function slotsBytes(questionCount: number, maxPlayers: number): number {
  return GAME_HEADER_BYTES + questionCount * QUESTION_OVERHEAD_BYTES + maxPlayers * (PLAYER_BYTES + questionCount * SLOT_BYTES);
}

/** The most questions a game of `maxPlayers` may declare. */
export function maxQuestionsFor(maxPlayers: number): number {
  return Math.floor((GAME_DOC_BUDGET_BYTES - GAME_HEADER_BYTES - maxPlayers * PLAYER_BYTES) / (QUESTION_OVERHEAD_BYTES + maxPlayers * SLOT_BYTES));
}
