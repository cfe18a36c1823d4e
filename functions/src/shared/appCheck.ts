import { HttpsError } from 'firebase-functions/v2/https';

/**
 * Second line behind `enforceAppCheck` (which refuses a missing or unverifiable token): a token
 * that verified must name an app (the emulator decodes tokens without verifying them, so a
 * malformed one would otherwise pass), and a replay-protected callable refuses a reused token.
 */
export function requireAppCheck(app: { appId?: string; alreadyConsumed?: boolean } | undefined, enforce: boolean): void {
  if (!enforce) return;
  if (!app?.appId) throw new HttpsError('unauthenticated', 'App Check token missing or invalid.');
  if (app.alreadyConsumed) throw new HttpsError('unauthenticated', 'App Check token already used: get a limited-use token for each call.');
}
