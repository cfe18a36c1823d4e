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
