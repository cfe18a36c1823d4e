import { PermanentGenerationError, UnavailableError } from '../shared/errors';
import {
  ModelOutputInvalidError,
  ModelRateLimitedError,
  ModelRefusalError,
  ModelRequestRejectedError,
  ModelUnavailableError,
} from '../questions/openai/modelErrors';

// What a client may read about a failure (generation_status is readable by every requester): a
// stable code and a fixed sentence, never the error text, which can carry an upstream body (a 401
// echoing a key), SQL, hosts or an admin's address. The raw text stays in Postgres (last_error,
// attempt rows) for the admin console's request detail.

export const PUBLIC_ERROR_CODES = {
  'model-refused': 'The model declined to write these questions.',
  'model-output-invalid': 'The model did not return usable questions.',
  'model-rejected': 'The question service refused the request.',
  'model-rate-limited': 'The question service is busy; generation resumes later.',
  'model-unavailable': 'The question service is unavailable; generation will be retried.',
  'budget-spent': 'Generation is paused until the daily budget resets.',
  'invalid-request': 'This request cannot be generated.',
  'attempts-exhausted': 'Generation failed after several attempts.',
  'cancelled-by-admin': 'Cancelled by an administrator.',
  'cancelled-with-batch': 'Cancelled with its batch.',
  unavailable: 'A service was unavailable; generation will be retried.',
  internal: 'Generation failed; it will be retried if attempts remain.',
} as const;

export type PublicErrorCode = keyof typeof PUBLIC_ERROR_CODES;
export type PublicError = { errorCode: PublicErrorCode; error: string };

export function publicError(code: PublicErrorCode): PublicError {
  return { errorCode: code, error: PUBLIC_ERROR_CODES[code] };
}

/** The client-safe form of an error thrown by a generation attempt. */
export function publicErrorOf(error: unknown, options: { deferred?: boolean } = {}): PublicError {
  if (error instanceof ModelRefusalError) return publicError('model-refused');
  if (error instanceof ModelOutputInvalidError) return publicError('model-output-invalid');
  if (error instanceof ModelRequestRejectedError) return publicError('model-rejected');
  if (error instanceof ModelRateLimitedError) return publicError('model-rate-limited');
  if (error instanceof ModelUnavailableError) return publicError('model-unavailable');
  if (options.deferred) return publicError('budget-spent');
  if (error instanceof PermanentGenerationError) return publicError('invalid-request');
  if (error instanceof UnavailableError) return publicError('unavailable');
  return publicError('internal');
}
