// The one scoring rule. Speed is measured from the QUESTION_SHOWN of that player by the server's
// clock, so a slow network costs the player, but a forged client clock cannot help.

export const BASE_POINTS = 100;
export const MAX_SPEED_BONUS = 100;

export type ScoredAnswer = { correct: boolean; elapsedMs: number; timeLimitMs: number };

/** Correct: 100 plus up to 100 for speed, falling linearly to 0 at the time limit. Wrong: 0. */
export function scoreAnswer({ correct, elapsedMs, timeLimitMs }: ScoredAnswer): number {
  if (!correct) return 0;
  const left = Math.max(0, Math.min(1, 1 - elapsedMs / timeLimitMs));
  return BASE_POINTS + Math.round(MAX_SPEED_BONUS * left);
}
