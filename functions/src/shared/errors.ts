// Domain errors say what went wrong in terms the handlers map to HttpsError codes, and the
// generator maps to "retry" (transient) or "give up" (permanent). Domain code never imports
// firebase-functions.

export class InvalidInputError extends Error {
  override readonly name: string = 'InvalidInputError';
  constructor(message: string, readonly details?: unknown) {
    super(message);
  }
}

export class NotFoundError extends Error {
  override readonly name: string = 'NotFoundError';
}

/** The request is well formed but the thing it acts on is not in a state that allows it (a game's rules). */
export class FailedPreconditionError extends Error {
  override readonly name: string = 'FailedPreconditionError';
  constructor(message: string, readonly details?: unknown) {
    super(message);
  }
}

/** A dependency (Postgres, Firestore, Cloud Tasks, the model) is down or overloaded: try again. */
export class UnavailableError extends Error {
  override readonly name: string = 'UnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The work can never succeed as asked: record it and stop retrying. */
export class PermanentGenerationError extends Error {
  override readonly name: string = 'PermanentGenerationError';
}

const PG_UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);
const NODE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);
// gRPC codes used by Firestore and Cloud Tasks clients: UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED.
const GRPC_TRANSIENT_CODES = new Set([14, 4, 8, 10]);

/** True when an error from pg, Firestore or the network means "the dependency is unreachable". */
export function isTransientInfrastructureError(error: unknown): boolean {
  if (error instanceof UnavailableError) return true;
  if (!error || typeof error !== 'object') return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (PG_UNAVAILABLE_CODES.has(code) || NODE_NETWORK_CODES.has(code))) return true;
  if (typeof code === 'number' && GRPC_TRANSIENT_CODES.has(code)) return true;
  if (typeof message === 'string' && /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(message)) {
    return true;
  }
  return false;
}

/** A quota or budget is spent until `resetAt`. */
export class ResourceExhaustedError extends Error {
  override readonly name: string = 'ResourceExhaustedError';
  constructor(message: string, readonly resetAt: Date) {
    super(message);
  }
}

/** Rejects with UnavailableError once `ms` have passed; the work itself is not cancelled. */
export async function withDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError(`${what} did not finish within ${Math.round(ms / 1000)} s`)), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}
