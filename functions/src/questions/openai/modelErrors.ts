import { PermanentGenerationError, UnavailableError } from '../../shared/errors';

// What can go wrong with a model call, sorted into "retry later" and "give up".

/** 429: retry, not before the server said so. */
export class ModelRateLimitedError extends UnavailableError {
  override readonly name: string = 'ModelRateLimitedError';
  constructor(readonly retryAfterSeconds: number | undefined, message = 'model rate limited (429)') {
    super(message);
  }
}

/** 5xx, timeouts, dropped connections. */
export class ModelUnavailableError extends UnavailableError {
  override readonly name: string = 'ModelUnavailableError';
}

/** The model declined the task: asking again will not change its mind. */
export class ModelRefusalError extends PermanentGenerationError {
  override readonly name: string = 'ModelRefusalError';
}

/** Output still malformed or schema-invalid after one repair attempt. */
export class ModelOutputInvalidError extends PermanentGenerationError {
  override readonly name: string = 'ModelOutputInvalidError';
}

/** Our request was wrong (400/401/403/404/422): a retry cannot fix it. */
export class ModelRequestRejectedError extends PermanentGenerationError {
  override readonly name: string = 'ModelRequestRejectedError';
}

/** Tokens the provider billed for calls of a generate() that then failed: charged all the same. */
export type BilledUsage = { modelCalls: number; tokensIn: number; tokensOut: number; cachedTokensIn: number };

const BILLED = Symbol('billed usage');

/** Attaches what was billed before (and by) the failing call to the error it ends with. */
export function withBilledUsage<E extends Error>(error: E, usage: BilledUsage): E {
  (error as E & { [BILLED]?: BilledUsage })[BILLED] = usage;
  return error;
}

export function billedUsageOf(error: unknown): BilledUsage | undefined {
  return error instanceof Error ? (error as Error & { [BILLED]?: BilledUsage })[BILLED] : undefined;
}
