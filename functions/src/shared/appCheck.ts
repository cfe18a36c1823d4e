import { createHash } from 'node:crypto';
import type { Firestore } from 'firebase-admin/firestore';
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

/** Raw tokens already used on a replay-protected callable (sha256 of the token, until it expires). */
export const CONSUMED_APP_CHECK_TOKENS = 'app_check_consumed';

/**
 * Replay protection that holds wherever the callable runs: Firebase's own (consumeAppCheckToken)
 * needs the App Check service, which the emulator does not call, so a token is also recorded here
 * at its first use and refused after.
 */
export async function consumeAppCheckTokenOnce(firestore: Firestore, rawToken: string | undefined, expiresAtSeconds: number | undefined): Promise<void> {
  if (!rawToken) throw new HttpsError('unauthenticated', 'App Check token missing or invalid.');
  const id = createHash('sha256').update(rawToken).digest('hex');
  const expireAt = new Date((expiresAtSeconds ?? Math.floor(Date.now() / 1000) + 3600) * 1000);
  try {
    await firestore.collection(CONSUMED_APP_CHECK_TOKENS).doc(id).create({ expireAt });
  } catch (error) {
    if ((error as { code?: number }).code === 6) throw new HttpsError('unauthenticated', 'App Check token already used: get a limited-use token for each call.');
    throw error;
  }
}
