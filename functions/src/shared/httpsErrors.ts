import { logger } from 'firebase-functions';
import { HttpsError } from 'firebase-functions/v2/https';
import { InvalidInputError, isTransientInfrastructureError, NotFoundError, ResourceExhaustedError, UnavailableError } from './errors';

/** Maps domain errors to the codes clients act on: fix the input, retry later, or report a bug. */
export function toHttpsError(error: unknown): HttpsError {
  if (error instanceof HttpsError) return error;
  if (error instanceof InvalidInputError) return new HttpsError('invalid-argument', error.message, error.details);
  if (error instanceof NotFoundError) return new HttpsError('not-found', error.message);
  if (error instanceof ResourceExhaustedError) {
    return new HttpsError('resource-exhausted', `${error.message}; resets at ${error.resetAt.toISOString()}`, { resetAt: error.resetAt.toISOString() });
  }
  if (isTransientInfrastructureError(error)) {
    logger.warn('dependency unavailable', { error: String(error) });
    return new HttpsError('unavailable', error instanceof UnavailableError ? error.message : 'A backend service is temporarily unavailable; try again shortly.');
  }
  logger.error('unexpected error', error);
  return new HttpsError('internal', 'Internal error.');
}

export async function withHttpsErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toHttpsError(error);
  }
}

export type AdminRole = 'viewer' | 'admin';

/**
 * Console roles from custom claims: `admin: true` may do everything, `viewer: true` may only read.
 * Reads ask for 'viewer', actions for 'admin'; every callable checks for itself.
 */
export function requireRole(
  auth: { uid?: string; token?: Record<string, unknown> } | undefined,
  role: AdminRole,
): { uid: string; email?: string } {
  const uid = requireUid(auth);
  const isAdmin = auth?.token?.['admin'] === true;
  const isViewer = auth?.token?.['viewer'] === true;
  if (role === 'admin' && !isAdmin) throw new HttpsError('permission-denied', isViewer ? 'Read-only account: admins only.' : 'Admins only.');
  if (role === 'viewer' && !isAdmin && !isViewer) throw new HttpsError('permission-denied', 'Admins and viewers only.');
  const email = auth?.token?.['email'];
  return typeof email === 'string' ? { uid, email } : { uid };
}

/** Admin views and actions need the custom claim `admin`. */
export function requireAdmin(auth: { uid?: string; token?: Record<string, unknown> } | undefined): string {
  const uid = requireUid(auth);
  if (auth?.token?.['admin'] !== true) throw new HttpsError('permission-denied', 'Admins only.');
  return uid;
}

export function requireUid(auth: { uid?: string } | undefined): string {
  // The Auth emulator accepts unsigned tokens: a uid, not a token object, proves sign-in.
  const uid = auth?.uid;
  if (!uid) throw new HttpsError('unauthenticated', 'Sign in first.');
  return uid;
}
